package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

const kubePodYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  GREETING: hello
---
apiVersion: v1
kind: Pod
metadata:
  name: $POD
spec:
  containers:
  - name: server
    image: ` + Busybox + `
    command: ["httpd"]
    args: ["-f", "-p", "80", "-h", "/etc"]
    ports:
    - containerPort: 80
      hostPort: 18117
      hostIP: 127.0.0.1
  - name: writer
    image: ` + Busybox + `
    command: ["sh", "-c"]
    args: ["echo $GREETING > /data/msg; sleep 1000"]
    env:
    - name: GREETING
      valueFrom:
        configMapKeyRef: {name: cfg, key: GREETING}
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: hostdir, mountPath: /host, readOnly: true}
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: $POD-data}
  - name: hostdir
    hostPath: {path: $HOSTDIR, type: Directory}
`

// TestKubePlayDownGenerate: kube play of a two-container pod with a hostPath and a PVC volume starts it
// (env from a ConfigMap, the hostPort published); kube down removes it; generate kube of the pod plays
// back into an equivalent pod.
func TestKubePlayDownGenerate(t *testing.T) {
	pod := Name(t)
	dir := t.TempDir()
	host := filepath.Join(dir, "in")
	if err := os.Mkdir(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "file"), []byte("from-host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := filepath.Join(dir, "pod.yaml")
	content := strings.NewReplacer("$POD", pod, "$HOSTDIR", host).Replace(kubePodYAML)
	if err := os.WriteFile(yaml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	rmPod(t, pod)
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", pod+"-data") })

	out := Must(t, "kube", "play", yaml)
	if !Matches(`^Pod:\n[0-9a-f]{64}\nContainers:\n[0-9a-f]{64}\n[0-9a-f]{64}$`, out) {
		t.Errorf("kube play output:\n%s", out)
	}
	check := func(what string) {
		t.Helper()
		if got := Must(t, "pod", "inspect", "--format", "{{.State}} {{.NumContainers}}", pod); got != "Running 3" {
			t.Fatalf("%s: pod is %q, want Running 3", what, got)
		}
		waitFor(t, what+": the PVC volume written", func() bool {
			return Run(t, "exec", pod+"-writer", "cat", "/data/msg").Stdout == "hello\n"
		})
		if got := Must(t, "exec", pod+"-writer", "cat", "/host/file"); got != "from-host" {
			t.Errorf("%s: hostPath: %q", what, got)
		}
		if r := Run(t, "exec", pod+"-writer", "touch", "/host/x"); r.Code == 0 {
			t.Errorf("%s: a readOnly hostPath mount is writable", what)
		}
		// The members share the pod's network: the writer reaches the server on localhost.
		waitFor(t, what+": httpd on the pod's localhost", func() bool {
			return Run(t, "exec", pod+"-writer", "wget", "-qO-", "http://127.0.0.1:80/hostname").Code == 0
		})
		if got := Must(t, "port", "--all"); !strings.Contains(got, "127.0.0.1:18117") {
			t.Errorf("%s: port: %q", what, got)
		}
	}
	check("play")

	gen := Must(t, "generate", "kube", pod)
	for _, want := range []string{"kind: Pod", "name: " + pod, "claimName: " + pod + "-data", "path: " + host, "hostPort: 18117", "name: GREETING"} {
		if !strings.Contains(gen, want) {
			t.Errorf("generate kube lacks %q:\n%s", want, gen)
		}
	}
	genFile := filepath.Join(dir, "gen.yaml")
	if err := os.WriteFile(genFile, []byte(gen), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := Must(t, "kube", "down", yaml); !strings.HasPrefix(out, "Pods stopped:\n") || !strings.Contains(out, "Pods removed:\n") {
		t.Errorf("kube down output:\n%s", out)
	}
	if r := Run(t, "pod", "exists", pod); r.Code != 1 {
		t.Fatalf("kube down left the pod:\n%s", r)
	}
	if r := Run(t, "container", "exists", pod+"-writer"); r.Code != 1 {
		t.Fatalf("kube down left a container:\n%s", r)
	}
	Must(t, "volume", "exists", pod+"-data") // a claim outlives the pod

	Must(t, "kube", "play", genFile)
	check("play of generate kube")
	Must(t, "kube", "play", "--replace", genFile)
	check("play --replace")
	Must(t, "kube", "play", "--down", genFile)
	if r := Run(t, "pod", "exists", pod); r.Code != 1 {
		t.Fatalf("kube play --down left the pod:\n%s", r)
	}
	Expect(t, 125, []string{"replicas"}, "kube", "play", writeTemp(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers: [{name: c, image: x}]\n"))
	Expect(t, 125, []string{"kind Service"}, "kube", "play", writeTemp(t, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"))
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "x.yaml")
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
