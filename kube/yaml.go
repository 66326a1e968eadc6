package kube

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// ErrUnsupported is wrapped by the refusal of a kind or field skiff cannot honour.
var ErrUnsupported = errors.New("not supported")

// ObjectMeta is the part of metadata skiff uses.
type ObjectMeta struct {
	Name        string            `json:"name,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PodSpec is a Pod's spec.
type PodSpec struct {
	Containers    []Container `json:"containers"`
	Volumes       []Volume    `json:"volumes,omitempty"`
	Hostname      string      `json:"hostname,omitempty"`
	RestartPolicy string      `json:"restartPolicy,omitempty"`
}

// Container is one container of a PodSpec.
type Container struct {
	Name         string          `json:"name"`
	Image        string          `json:"image"`
	Command      []string        `json:"command,omitempty"`
	Args         []string        `json:"args,omitempty"`
	WorkingDir   string          `json:"workingDir,omitempty"`
	Env          []EnvVar        `json:"env,omitempty"`
	EnvFrom      []EnvFromSource `json:"envFrom,omitempty"`
	Ports        []ContainerPort `json:"ports,omitempty"`
	VolumeMounts []VolumeMount   `json:"volumeMounts,omitempty"`
	Resources    *Resources      `json:"resources,omitempty"`
}

// EnvVar is a variable: a value, or a key of a ConfigMap.
type EnvVar struct {
	Name      string        `json:"name"`
	Value     string        `json:"value,omitempty"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource names a ConfigMap key.
type EnvVarSource struct {
	ConfigMapKeyRef *KeySelector `json:"configMapKeyRef,omitempty"`
}

// KeySelector is a key of a named ConfigMap.
type KeySelector struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional bool   `json:"optional,omitempty"`
}

// EnvFromSource takes every key of a ConfigMap as a variable.
type EnvFromSource struct {
	ConfigMapRef *NameRef `json:"configMapRef,omitempty"`
}

// NameRef names an object.
type NameRef struct {
	Name     string `json:"name"`
	Optional bool   `json:"optional,omitempty"`
}

// ContainerPort is a port; it is published only with a HostPort.
type ContainerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort,omitempty"`
	HostIP        string `json:"hostIP,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
}

// VolumeMount mounts a volume of the pod.
type VolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

// Resources are limits and requests.
type Resources struct {
	Limits   map[string]string `json:"limits,omitempty"`
	Requests map[string]string `json:"requests,omitempty"`
}

// Volume is a volume of the pod: a host path, an empty directory or a claim (a named volume).
type Volume struct {
	Name                  string                 `json:"name"`
	HostPath              *HostPathSource        `json:"hostPath,omitempty"`
	EmptyDir              *struct{}              `json:"emptyDir,omitempty"`
	PersistentVolumeClaim *PersistentVolumeClaim `json:"persistentVolumeClaim,omitempty"`
	ConfigMap             *NameRef               `json:"configMap,omitempty"`
}

// HostPathSource is a directory or file of the host.
type HostPathSource struct {
	Path string `json:"path"`
	Type string `json:"type,omitempty"`
}

// PersistentVolumeClaim names a volume.
type PersistentVolumeClaim struct {
	ClaimName string `json:"claimName"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

// Pod is a Pod object.
type Pod struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       PodSpec    `json:"spec"`
}

// object is any document, read for its kind first.
type object struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   ObjectMeta        `json:"metadata"`
	Data       map[string]string `json:"data"`
	Spec       struct {
		PodSpec
		Replicas *int `json:"replicas"`
		Template *struct {
			Metadata ObjectMeta `json:"metadata"`
			Spec     PodSpec    `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

// Plan is what a YAML file asks for: its pods (a Deployment becomes the pod NAME-pod-0, as in Podman 4)
// and its ConfigMaps by name.
type Plan struct {
	Pods       []Pod
	ConfigMaps map[string]map[string]string
}

// Parse reads one or more YAML documents.
func Parse(b []byte) (*Plan, error) {
	p := &Plan{ConfigMaps: map[string]map[string]string{}}
	for i, doc := range splitDocuments(b) {
		var o object
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		switch o.Kind {
		case "":
			continue // an empty document
		case "Pod":
			if o.Metadata.Name == "" {
				return nil, fmt.Errorf("document %d: a Pod needs metadata.name", i+1)
			}
			p.Pods = append(p.Pods, Pod{APIVersion: "v1", Kind: "Pod", Metadata: o.Metadata, Spec: o.Spec.PodSpec})
		case "Deployment":
			if o.Spec.Replicas != nil && *o.Spec.Replicas != 1 {
				return nil, fmt.Errorf("deployment %s: %d replicas: skiff runs one (a pod per host port set): %w", o.Metadata.Name, *o.Spec.Replicas, ErrUnsupported)
			}
			if o.Spec.Template == nil {
				return nil, fmt.Errorf("deployment %s: no spec.template", o.Metadata.Name)
			}
			meta := o.Spec.Template.Metadata
			meta.Name = o.Metadata.Name + "-pod-0"
			p.Pods = append(p.Pods, Pod{APIVersion: "v1", Kind: "Pod", Metadata: meta, Spec: o.Spec.Template.Spec})
		case "ConfigMap":
			p.ConfigMaps[o.Metadata.Name] = o.Data
		default:
			return nil, fmt.Errorf("document %d: kind %s: skiff plays Pod, Deployment and ConfigMap: %w", i+1, o.Kind, ErrUnsupported)
		}
	}
	for _, pod := range p.Pods {
		if err := check(&pod); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// check refuses what skiff cannot do with a pod.
func check(p *Pod) error {
	vols := map[string]bool{}
	for _, v := range p.Spec.Volumes {
		n := 0
		for _, set := range []bool{v.HostPath != nil, v.EmptyDir != nil, v.PersistentVolumeClaim != nil} {
			if set {
				n++
			}
		}
		if v.ConfigMap != nil {
			return fmt.Errorf("pod %s: volume %s: configMap volumes: %w (use env or envFrom)", p.Metadata.Name, v.Name, ErrUnsupported)
		}
		if n != 1 {
			return fmt.Errorf("pod %s: volume %s: want one of hostPath, emptyDir or persistentVolumeClaim: %w", p.Metadata.Name, v.Name, ErrUnsupported)
		}
		vols[v.Name] = true
	}
	if len(p.Spec.Containers) == 0 {
		return fmt.Errorf("pod %s: no containers", p.Metadata.Name)
	}
	for _, c := range p.Spec.Containers {
		if c.Name == "" || c.Image == "" {
			return fmt.Errorf("pod %s: every container needs a name and an image", p.Metadata.Name)
		}
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] {
				return fmt.Errorf("pod %s: container %s mounts volume %s, which the pod does not define", p.Metadata.Name, c.Name, m.Name)
			}
		}
	}
	return nil
}

// splitDocuments splits a YAML stream at its "---" lines.
func splitDocuments(b []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if strings.TrimRight(line, " \r\n") == "---" {
			docs = append(docs, bytes.Clone(cur.Bytes()))
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	return append(docs, cur.Bytes())
}
