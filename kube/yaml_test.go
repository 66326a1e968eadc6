package kube

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, yaml string
		pods       []string
		wantErr    string
	}{
		{"pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: i}]\n", []string{"a"}, ""},
		{"deployment", "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i}]\n", []string{"d-pod-0"}, ""},
		{"two documents", "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n---\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: i}]}\n", []string{"a", "b"}, ""},
		{"replicas", "kind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n  template: {spec: {containers: [{name: c, image: i}]}}\n", nil, "2 replicas"},
		{"service", "kind: Service\nmetadata: {name: s}\n", nil, "kind Service"},
		{"no image", "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n", nil, "a name and an image"},
		{"unknown volume", "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i, volumeMounts: [{name: v, mountPath: /v}]}]}\n", nil, "does not define"},
		{"configMap volume", "kind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: i}]\n  volumes: [{name: v, configMap: {name: m}}]\n", nil, "configMap volumes"},
	}
	for _, tt := range tests {
		p, err := Parse([]byte(tt.yaml))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			if tt.wantErr != "does not define" && tt.wantErr != "a name and an image" && !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: %v is not ErrUnsupported", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var names []string
		for _, pod := range p.Pods {
			names = append(names, pod.Metadata.Name)
		}
		if strings.Join(names, ",") != strings.Join(tt.pods, ",") {
			t.Errorf("%s: pods %v, want %v", tt.name, names, tt.pods)
		}
	}
}

func TestVolumeFlag(t *testing.T) {
	pod := &Pod{Metadata: ObjectMeta{Name: "p"}, Spec: PodSpec{Volumes: []Volume{
		{Name: "claim", PersistentVolumeClaim: &PersistentVolumeClaim{ClaimName: "data", ReadOnly: true}},
		{Name: "scratch", EmptyDir: &struct{}{}},
		{Name: "host", HostPath: &HostPathSource{Path: "/"}},
	}}}
	for m, want := range map[VolumeMount]string{
		{Name: "claim", MountPath: "/d"}:                "data:/d:ro",
		{Name: "scratch", MountPath: "/s"}:              "p-scratch:/s",
		{Name: "host", MountPath: "/h", ReadOnly: true}: "/:/h:ro",
	} {
		got, err := volumeFlag(pod, m)
		if err != nil || got != want {
			t.Errorf("volumeFlag(%+v) = %q, %v, want %q", m, got, err, want)
		}
	}
}
