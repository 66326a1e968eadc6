package cdi

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

func TestGPUDevices(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "all", want: []string{"nvidia.com/gpu=all"}},
		{in: "count=all", want: []string{"nvidia.com/gpu=all"}},
		{in: "2", want: []string{"nvidia.com/gpu=0", "nvidia.com/gpu=1"}},
		{in: "count=1", want: []string{"nvidia.com/gpu=0"}},
		{in: "device=0,GPU-abc", want: []string{"nvidia.com/gpu=0", "nvidia.com/gpu=GPU-abc"}},
		{in: `"device=1"`, want: []string{"nvidia.com/gpu=1"}},
		{in: "0", bad: true},
		{in: "device=", bad: true},
		{in: "driver=nvidia", bad: true},
		{in: "", bad: true},
	} {
		got, err := GPUDevices(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("GPUDevices(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("GPUDevices(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

const testSpec = `cdiVersion: "0.6.0"
kind: example.com/fake
devices:
  - name: one
    containerEdits:
      env: ["FAKE=one"]
      deviceNodes:
        - path: /dev/fake0
          hostPath: /dev/null
containerEdits:
  mounts:
    - hostPath: /etc/hostname
      containerPath: /etc/fake-hostname
      options: [ro, bind]
`

func TestInject(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fake.yaml"), []byte(testSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	reg, err := Load([]string{dir, filepath.Join(dir, "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Devices(); !slices.Equal(got, []string{"example.com/fake=one"}) {
		t.Fatalf("Devices() = %v", got)
	}
	s := &rspec.Spec{Process: &rspec.Process{}, Linux: &rspec.Linux{}}
	if err := reg.Inject(s, []string{"example.com/fake=one"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Process.Env, "FAKE=one") {
		t.Errorf("env %v lacks FAKE=one", s.Process.Env)
	}
	if len(s.Linux.Devices) != 0 || s.Linux.Resources != nil {
		t.Errorf("devices %v, resources %v: want bind mounts only, no device nodes or cgroup rules", s.Linux.Devices, s.Linux.Resources)
	}
	var dev, mnt bool
	for _, m := range s.Mounts {
		dev = dev || (m.Destination == "/dev/fake0" && m.Source == "/dev/null" && m.Type == "bind")
		mnt = mnt || (m.Destination == "/etc/fake-hostname" && m.Source == "/etc/hostname")
	}
	if !dev || !mnt {
		t.Errorf("mounts %+v: want /dev/null bound at /dev/fake0 and /etc/hostname at /etc/fake-hostname", s.Mounts)
	}

	err = reg.Inject(s, []string{"example.com/fake=nope"})
	if !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("unknown device: err = %v, want ErrUnknownDevice", err)
	}
	if err := reg.Inject(s, []string{"/dev/null"}); err == nil {
		t.Fatal("a path was accepted as a CDI name")
	}
}
