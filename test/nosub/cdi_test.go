package nosub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// cdiSpecs writes CDI specs into the user's own spec directory ($XDG_CONFIG_HOME/cdi) of a fresh
// configuration home: example.com/fake=one gives /dev/fuse, an env var and a mount; nvidia.com/gpu=all
// gives /dev/net/tun (device nodes that exist here: no GPU needed). It returns the environment to pass.
func cdiSpecs(t *testing.T) (env []string, data string) {
	t.Helper()
	cfg := t.TempDir()
	data = t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "payload"), []byte("cdi-mount-ok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cfg, "cdi")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := `cdiVersion: "0.6.0"
kind: example.com/fake
devices:
  - name: one
    containerEdits:
      env: ["FAKE_DEVICE=one"]
      deviceNodes:
        - path: /dev/fuse
      mounts:
        - hostPath: ` + data + `
          containerPath: /opt/fake
          options: [ro, bind]
`
	gpu := `cdiVersion: "0.6.0"
kind: nvidia.com/gpu
devices:
  - name: all
    containerEdits:
      env: ["NVIDIA_VISIBLE_DEVICES=all"]
      deviceNodes:
        - path: /dev/net/tun
      mounts:
        - hostPath: ` + data + `
          containerPath: /usr/local/nvidia
          options: [ro, bind]
`
	for name, body := range map[string]string{"fake.yaml": fake, "gpu.yaml": gpu} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"XDG_CONFIG_HOME=" + cfg}, data
}

// --device with a CDI name and --gpus all bring the spec's device node, environment and mount into the
// container; an unknown CDI name is one line and exit 125, with nothing created.
func TestCDIDevices(t *testing.T) {
	env, _ := cdiSpecs(t)
	run := func(args ...string) Result { return RunIn(t, env, "", args...) }

	r := run("run", "--rm", "--device", "example.com/fake=one", Busybox,
		"sh", "-c", `test -c /dev/fuse && echo "dev ok"; echo "env $FAKE_DEVICE"; cat /opt/fake/payload`)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	for _, want := range []string{"dev ok", "env one", "cdi-mount-ok"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("--device example.com/fake=one: output lacks %q:\n%s", want, r)
		}
	}

	r = run("run", "--rm", "--gpus", "all", Busybox,
		"sh", "-c", `test -c /dev/net/tun && echo "dev ok"; echo "env $NVIDIA_VISIBLE_DEVICES"; cat /usr/local/nvidia/payload`)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	for _, want := range []string{"dev ok", "env all", "cdi-mount-ok"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("--gpus all: output lacks %q:\n%s", want, r)
		}
	}

	// system check lists the devices it finds.
	r = run("system", "check", "--format", "{{range .CDIDevices}}{{.}} {{end}}")
	for _, want := range []string{"example.com/fake=one", "nvidia.com/gpu=all"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("system check lists CDI devices %q, lacks %s\n%s", r.Stdout, want, r)
		}
	}

	name := Name(t)
	r = run("run", "--rm", "--name", name, "--device", "example.com/fake=nope", Busybox, "true")
	if r.Code != 125 {
		t.Fatalf("unknown CDI device: want exit 125\n%s", r)
	}
	if lines := strings.Split(strings.TrimSpace(r.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "example.com/fake=nope") {
		t.Fatalf("unknown CDI device: want one line naming it\n%s", r)
	}
	if got := Run(t, "container", "exists", name); got.Code == 0 {
		t.Fatalf("a refused --device left container %s behind", name)
	}
}
