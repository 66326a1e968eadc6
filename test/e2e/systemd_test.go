package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The scenarios of issue 7 (systemd): generated units, Quadlet files, and, when a systemd user manager runs
// for the test user (hack/setup-host.sh --systemd-user), units started by it.

// analyzeVerify runs `systemd-analyze --user verify` on units.
func analyzeVerify(t *testing.T, units ...string) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	cmd := exec.Command(analyze, append([]string{"--user", "--man=no", "verify"}, units...)...)
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || out.Len() > 0 {
		t.Errorf("systemd-analyze --user verify %s: %v\n%s", strings.Join(units, " "), err, out.String())
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateSystemd(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "create", "--name", name, "-e", "A=b c", "--stop-timeout", "5", Busybox, "httpd", "-f", "-p", "8080", "-h", "/var/www%x")
	dir := t.TempDir()

	unit := Must(t, "generate", "systemd", "--new", "--name", name)
	for _, want := range []string{
		"# container-" + name + ".service\n",
		"ExecStartPre=/bin/rm \\\n\t-f %t/%n.ctr-id\n",
		"ExecStart=" + Binary + " run \\\n\t--cidfile=%t/%n.ctr-id \\\n\t--rm \\\n\t--sdnotify=conmon \\\n\t-d \\\n\t--replace \\\n\t--name " + name + " \\\n\t-e \"A=b c\"",
		"-h /var/www%%x\n",
		"TimeoutStopSec=65\n",
		"Type=notify\nNotifyAccess=all\n",
		"Environment=SKIFF_SYSTEMD_UNIT=%n\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("generate systemd --new: no %q in\n%s", want, unit)
		}
	}
	writeFile(t, filepath.Join(dir, "container-"+name+".service"), unit+"\n")

	old := Must(t, "generate", "systemd", "--no-header", "--container-prefix", "old", name)
	id := Must(t, "inspect", "--format", "{{.Id}}", name)
	for _, want := range []string{"# old-" + id + ".service\n\n[Unit]", "ExecStart=" + Binary + " start " + id + "\n", "Type=forking\n"} {
		if !strings.Contains(old, want) {
			t.Errorf("generate systemd: no %q in\n%s", want, old)
		}
	}
	writeFile(t, filepath.Join(dir, "old-"+id+".service"), old+"\n")
	analyzeVerify(t, filepath.Join(dir, "container-"+name+".service"), filepath.Join(dir, "old-"+id+".service"))

	json := Must(t, "generate", "systemd", "--new", "--name", "--format", "json", name)
	if !strings.HasPrefix(json, "{\n \"container-"+name+"\": \"# container-") {
		t.Errorf("--format json:\n%s", json)
	}
}

func TestGenerateSystemdErrors(t *testing.T) {
	Expect(t, 125, []string{"nosuch-ctr does not refer to a container or pod"}, "generate", "systemd", "nosuch-ctr")
	Expect(t, 125, []string{`"sometimes" is not a valid restart policy`}, "generate", "systemd", "--restart-policy", "sometimes", "x")
	Expect(t, 125, []string{"--template needs --new"}, "generate", "systemd", "--template", "x")
}

func TestQuadletDryrun(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "web.container"), "[Container]\nImage="+Busybox+"\nExec=httpd -f -p 80\nPublishPort=18085:80\n[Install]\nWantedBy=default.target\n")
	writeFile(t, filepath.Join(dir, "app.pod"), "[Pod]\nPublishPort=18086:80\n")
	writeFile(t, filepath.Join(dir, "sub", "member.container"), "[Container]\nImage="+Busybox+"\nPod=app.pod\n")
	env := []string{"QUADLET_UNIT_DIRS=" + dir}

	r := RunIn(t, env, "", "quadlet", "generate", "--dryrun")
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	for _, want := range []string{
		"---web.service---\n",
		"ExecStart=" + Binary + " run --name systemd-%N --replace --rm --sdnotify=conmon -d --publish 18085:80 " + Busybox + " httpd -f -p 80\n",
		"---app-pod.service---\n", "Wants=member.service\n",
		"---member.service---\n", "BindsTo=app-pod.service\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("no %q in\n%s", want, r.Stdout)
		}
	}

	out := t.TempDir()
	if r := RunIn(t, env, "", "quadlet", "generate", "--user", out, out, out); r.Code != 0 {
		t.Fatalf("%s", r)
	}
	if target, err := os.Readlink(filepath.Join(out, "default.target.wants", "web.service")); err != nil || target != "../web.service" {
		t.Errorf("install link: %q %v", target, err)
	}
	analyzeVerify(t, filepath.Join(out, "web.service"), filepath.Join(out, "app-pod.service"), filepath.Join(out, "member.service"))

	r = RunIn(t, env, "", "quadlet", "list", "--format", "{{.Name}} {{.UnitName}}")
	if r.Code != 0 || !strings.Contains(r.Stdout, "app.pod app-pod.service\nmember.container member.service\nweb.container web.service\n") {
		t.Errorf("quadlet list:\n%s", r)
	}
	r = RunIn(t, env, "", "quadlet", "print", "web")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "[Container]\nImage=") {
		t.Errorf("quadlet print:\n%s", r)
	}

	// A bad file is reported with its line, the others are still translated, and the exit code is 1.
	writeFile(t, filepath.Join(dir, "bad.container"), "[Container]\nImagee="+Busybox+"\n")
	r = RunIn(t, env, "", "quadlet", "generate", "--dryrun")
	if r.Code != 1 || !strings.Contains(r.Stderr, filepath.Join(dir, "bad.container")+`:2: unknown key "Imagee" in [Container]`) ||
		!strings.Contains(r.Stdout, "---web.service---") {
		t.Errorf("bad file:\n%s", r)
	}
}

// userManager returns the environment that reaches the test user's systemd manager, or skips the test.
func userManager(t *testing.T) []string {
	t.Helper()
	rt := fmt.Sprintf("/run/user/%d", os.Getuid())
	env := []string{"XDG_RUNTIME_DIR=" + rt, "DBUS_SESSION_BUS_ADDRESS=unix:path=" + rt + "/bus"}
	if _, err := systemctl(env, "show-environment"); err != nil {
		t.Skipf("no systemd user manager for this user (hack/setup-host.sh --systemd-user starts one): %v", err)
	}
	return env
}

func systemctl(env []string, args ...string) (string, error) {
	cmd := exec.Command("systemctl", append([]string{"--user"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("systemctl --user %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// requireRunFlags skips the test unless `skiff run` has the flags the generated units use.
func requireRunFlags(t *testing.T, flags ...string) {
	t.Helper()
	help := Run(t, "run", "--help").Stdout
	for _, f := range flags {
		if !strings.Contains(help, f) {
			t.Skipf("skiff run has no %s yet: the generated units cannot start", f)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func httpOK(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 500
}

// TestSystemdUnitLifecycle is the acceptance scenario: a `generate systemd --new` unit for busybox httpd
// starts the container, systemd restarts it when its main process is killed, and stopping the unit removes
// the container.
func TestSystemdUnitLifecycle(t *testing.T) {
	env := userManager(t)
	requireRunFlags(t, "--sdnotify", "--publish")
	name := "web-" + Name(t)
	rmContainer(t, name)
	Must(t, "create", "--name", name, "-p", "18082:80", Busybox, "httpd", "-f", "-p", "80", "-h", "/")
	unitText := Must(t, "generate", "systemd", "--new", "--name", name)
	Must(t, "rm", name)
	home, _ := os.UserHomeDir()
	unitName := "container-" + name + ".service"
	path := filepath.Join(home, ".config/systemd/user", unitName)
	writeFile(t, path, unitText+"\n")
	t.Cleanup(func() {
		systemctl(env, "stop", unitName)
		os.Remove(path)
		systemctl(env, "daemon-reload")
	})
	if _, err := systemctl(env, "daemon-reload"); err != nil {
		t.Fatal(err)
	}
	if _, err := systemctl(env, "start", unitName); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "httpd on :18082", func() bool { return httpOK("http://127.0.0.1:18082/") })

	pid := Must(t, "inspect", "--format", "{{.State.Pid}}", name)
	if out, err := exec.Command("kill", "-9", pid).CombinedOutput(); err != nil {
		t.Fatalf("kill %s: %v %s", pid, err, out)
	}
	waitFor(t, "systemd to restart the unit", func() bool {
		n, _ := systemctl(env, "show", "-p", "NRestarts", "--value", unitName)
		state, _ := systemctl(env, "is-active", unitName)
		return n != "0" && n != "" && state == "active"
	})
	waitFor(t, "httpd back on :18082", func() bool { return httpOK("http://127.0.0.1:18082/") })

	if _, err := systemctl(env, "stop", unitName); err != nil {
		t.Fatal(err)
	}
	Expect(t, 125, []string{"no container with name or ID"}, "inspect", name)
}
