package kube

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// defaultPath is the PATH every image gets; it is left out of a generated env.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// GeneratePod writes pod v as a Pod: its members (not the infra container) with image, command, args,
// env, working directory, the pod's published ports, and bind mounts as hostPath and named volumes as
// persistentVolumeClaim volumes.
func GeneratePod(v *pods.View, version string) ([]byte, error) {
	var members []*container.Container
	for _, c := range v.Containers {
		if c.Config.Pod == nil || !c.Config.Pod.Infra {
			members = append(members, c)
		}
	}
	slices.SortFunc(members, func(a, b *container.Container) int { return a.Config.Created.Compare(b.Config.Created) })
	var ports []ContainerPort
	if v.Infra != nil {
		ports = portsOf(v.Infra)
	}
	return generate(v.Name, v.Labels, v.Hostname, members, ports, version)
}

// GenerateContainer writes a container that is in no pod as a Pod named NAME-pod, as Podman does.
func GenerateContainer(c *container.Container, version string) ([]byte, error) {
	if c.Config.Pod != nil {
		return nil, fmt.Errorf("container %s is in pod %s: generate kube of the pod", c.Name(), c.Config.Pod.Name)
	}
	return generate(c.Name()+"-pod", nil, "", []*container.Container{c}, portsOf(c), version)
}

func portsOf(c *container.Container) []ContainerPort {
	var out []ContainerPort
	for _, p := range c.Config.Network.Ports {
		for i := uint16(0); i < max(p.Range, 1); i++ {
			cp := ContainerPort{ContainerPort: int(p.ContainerPort + i), HostIP: p.HostIP}
			if p.HostPort != 0 {
				cp.HostPort = int(p.HostPort + i)
			}
			if p.Protocol != "" && p.Protocol != "tcp" {
				cp.Protocol = strings.ToUpper(p.Protocol)
			}
			out = append(out, cp)
		}
	}
	return out
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9-]+`)

func generate(name string, labels map[string]string, hostname string, members []*container.Container, ports []ContainerPort, version string) ([]byte, error) {
	pod := Pod{APIVersion: "v1", Kind: "Pod", Metadata: ObjectMeta{Name: name, Labels: map[string]string{"app": name}}}
	for k, v := range labels {
		pod.Metadata.Labels[k] = v
	}
	if hostname != "" && hostname != name {
		pod.Spec.Hostname = hostname
	}
	volNames := map[string]string{} // source -> volume name
	for i, c := range members {
		k := Container{
			Name:       strings.TrimPrefix(c.Name(), name+"-"),
			Image:      c.Config.ImageName,
			Command:    c.Config.Entrypoint,
			Args:       c.Config.Cmd,
			WorkingDir: c.Config.WorkingDir,
		}
		if k.WorkingDir == "/" {
			k.WorkingDir = ""
		}
		for _, e := range c.Config.Env {
			if e == defaultPath {
				continue
			}
			n, val, _ := strings.Cut(e, "=")
			k.Env = append(k.Env, EnvVar{Name: n, Value: val})
		}
		if i == 0 {
			k.Ports = ports // the pod's ports, on its first container as Podman writes them
		}
		for _, m := range c.Config.Mounts {
			var vol Volume
			switch m.Type {
			case mountflag.TypeBind:
				vol.HostPath = &HostPathSource{Path: m.Source, Type: "Directory"}
				vol.Name = strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(m.Source), "-"), "-") + "-host"
			case mountflag.TypeVolume:
				vol.PersistentVolumeClaim = &PersistentVolumeClaim{ClaimName: m.Source}
				vol.Name = strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(m.Source), "-"), "-") + "-pvc"
			default:
				return nil, fmt.Errorf("container %s: a %s mount at %s cannot be written as a Kubernetes volume: %w", c.Name(), m.Type, m.Destination, ErrUnsupported)
			}
			if existing, ok := volNames[m.Type+":"+m.Source]; ok {
				vol.Name = existing
			} else {
				volNames[m.Type+":"+m.Source] = vol.Name
				pod.Spec.Volumes = append(pod.Spec.Volumes, vol)
			}
			k.VolumeMounts = append(k.VolumeMounts, VolumeMount{Name: vol.Name, MountPath: m.Destination, ReadOnly: slices.Contains(m.Options, "ro")})
		}
		pod.Spec.Containers = append(pod.Spec.Containers, k)
	}
	b, err := yaml.Marshal(pod)
	if err != nil {
		return nil, err
	}
	header := "# Save the output of this file and use kubectl create -f to import it into Kubernetes.\n#\n# Created with skiff-" + version + "\n"
	return append([]byte(header), b...), nil
}
