package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
		t.Fatal("systemd-analyze is not installed (hack/setup-host.sh installs systemd)")
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

// The scenarios below run under the test user's real systemd manager (hack/setup-host.sh --systemd-user
// starts it; hack/test-e2e.sh does so before the run and passes XDG_RUNTIME_DIR and
// DBUS_SESSION_BUS_ADDRESS). They skip only when that manager does not answer here.

// userManager returns the environment that reaches the test user's systemd manager, or skips the test
// with the reason when there is none.
func userManager(t *testing.T) []string {
	t.Helper()
	rt := fmt.Sprintf("/run/user/%d", os.Getuid())
	env := []string{"XDG_RUNTIME_DIR=" + rt, "DBUS_SESSION_BUS_ADDRESS=unix:path=" + rt + "/bus"}
	if _, err := exec.LookPath("systemctl"); err != nil {
		t.Fatal("systemctl is not installed (hack/setup-host.sh installs systemd)")
	}
	state, err := systemctl(env, "is-system-running")
	if state != "running" && state != "degraded" {
		t.Fatalf("no systemd user manager for uid %d (as root: bash hack/setup-host.sh --systemd-user): is-system-running: %q %v",
			os.Getuid(), state, err)
	}
	return env
}

func systemctl(env []string, args ...string) (string, error) {
	cmd := exec.Command("systemctl", append([]string{"--user"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out)), fmt.Errorf("systemctl --user %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// mustSystemctl runs systemctl --user and fails the test on an error.
func mustSystemctl(t *testing.T, env []string, args ...string) string {
	t.Helper()
	out, err := systemctl(env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unitProp returns a property of a unit (systemctl show -p NAME --value).
func unitProp(env []string, unit, prop string) string {
	v, _ := systemctl(env, "show", "-p", prop, "--value", unit)
	return v
}

// userUnitDir is the user manager's unit directory in the home directory.
func userUnitDir(t *testing.T) string {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(home, ".config", "systemd", "user")
}

// installUnit writes a unit into dir and reloads the manager; at the end of the test the unit is stopped
// and removed again.
func installUnit(t *testing.T, env []string, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	writeFile(t, path, content)
	t.Cleanup(func() {
		systemctl(env, "stop", name)
		os.Remove(path)
		systemctl(env, "daemon-reload")
		systemctl(env, "reset-failed", name)
	})
	mustSystemctl(t, env, "daemon-reload")
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

// inspectField returns a field of a container (inspect --format), "" when the container does not exist.
func inspectField(t *testing.T, name, field string) string {
	t.Helper()
	r := Run(t, "inspect", "--format", "{{"+field+"}}", name)
	if r.Code != 0 {
		return ""
	}
	return strings.TrimSpace(r.Stdout)
}

// killContainer kills the container's main process from outside skiff, as a crash would.
func killContainer(t *testing.T, name string) string {
	t.Helper()
	pid := Must(t, "inspect", "--format", "{{.State.Pid}}", name)
	if out, err := exec.Command("kill", "-9", pid).CombinedOutput(); err != nil {
		t.Fatalf("kill %s: %v %s", pid, err, out)
	}
	return pid
}

// checkNewUnit runs a `generate systemd --new` unit through its life: start (active, the monitor as the
// main process), the container's main process killed (systemd restarts the unit: Restart=on-failure),
// stop (the container is gone). check, if not nil, tests the running container.
func checkNewUnit(t *testing.T, env []string, unitName, ctr string, check func()) {
	t.Helper()
	mustSystemctl(t, env, "start", unitName)
	if state := unitProp(env, unitName, "ActiveState"); state != "active" {
		t.Fatalf("%s after start: %s", unitName, state)
	}
	if main, mon := unitProp(env, unitName, "MainPID"), inspectField(t, ctr, ".State.ConmonPid"); main != mon {
		t.Errorf("%s: MainPID %s, want the monitor's PID %s (--sdnotify=conmon)", unitName, main, mon)
	}
	if check != nil {
		check()
	}

	pid := killContainer(t, ctr)
	waitFor(t, "systemd to restart "+unitName, func() bool {
		n := unitProp(env, unitName, "NRestarts")
		p := inspectField(t, ctr, ".State.Pid")
		return n != "0" && n != "" && unitProp(env, unitName, "ActiveState") == "active" && p != "" && p != "0" && p != pid
	})
	if check != nil {
		check()
	}

	mustSystemctl(t, env, "stop", unitName)
	if state := unitProp(env, unitName, "ActiveState"); state != "inactive" {
		t.Errorf("%s after stop: %s (result %s)", unitName, state, unitProp(env, unitName, "Result"))
	}
	if r := Run(t, "container", "exists", ctr); r.Code != 1 {
		t.Errorf("container %s after systemctl stop: container exists exits %d, want 1 (gone)", ctr, r.Code)
	}
}

// newUnit creates a container with args, generates its `--new` unit, checks it with systemd-analyze,
// removes the container and installs the unit.
func newUnit(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	rmContainer(t, name)
	Must(t, append([]string{"create", "--name", name}, args...)...)
	unitText := Must(t, "generate", "systemd", "--new", "--name", name)
	Must(t, "rm", name)
	unitName := "container-" + name + ".service"
	dir := userUnitDir(t)
	installUnit(t, env, dir, unitName, unitText+"\n")
	analyzeVerify(t, filepath.Join(dir, unitName))
	return unitName
}

// TestSystemdNewUnit is the acceptance scenario without a published port: a `generate systemd --new`
// unit for busybox httpd.
func TestSystemdNewUnit(t *testing.T) {
	env := userManager(t)
	name := "web-" + Name(t)
	unitName := newUnit(t, env, name, "--stop-timeout", "2", Busybox, "httpd", "-f", "-p", "8080", "-h", "/")
	checkNewUnit(t, env, unitName, name, func() {
		if s := inspectField(t, name, ".State.Status"); s != "running" {
			t.Errorf("container %s: %s, want running", name, s)
		}
	})
}

// TestSystemdUnitLifecycle is the acceptance scenario: a `generate systemd --new --files --name web` unit
// for busybox httpd with -p 18082:80 starts the container and curl reaches it; systemd restarts it when its
// main process is killed; stopping the unit removes the container.
func TestSystemdUnitLifecycle(t *testing.T) {
	env := userManager(t)
	name := "web"
	if inspectField(t, name, ".Id") != "" {
		name = "web-" + Name(t) // a container of the user's own is called web
	}
	rmContainer(t, name)
	Must(t, "create", "--name", name, "--stop-timeout", "2", "-p", "18082:80", Busybox, "httpd", "-f", "-p", "80", "-h", "/")
	dir := t.TempDir()
	gen := exec.Command(Binary, "generate", "systemd", "--new", "--files", "--name", name)
	gen.Dir = dir // --files writes into the current directory
	out, err := gen.Output()
	if err != nil {
		t.Fatalf("generate systemd --new --files --name %s: %v", name, err)
	}
	unitName := "container-" + name + ".service"
	if path := strings.TrimSpace(string(out)); path != filepath.Join(dir, unitName) {
		t.Fatalf("generate systemd --files printed %q, want %s", path, filepath.Join(dir, unitName))
	}
	analyzeVerify(t, filepath.Join(dir, unitName))
	b, err := os.ReadFile(filepath.Join(dir, unitName))
	if err != nil {
		t.Fatal(err)
	}
	Must(t, "rm", name)
	installUnit(t, env, userUnitDir(t), unitName, string(b))
	checkNewUnit(t, env, unitName, name, func() {
		waitFor(t, "httpd on :18082", func() bool { return httpOK("http://127.0.0.1:18082/") })
	})
}

// TestSystemdExistingContainerUnit: a unit without --new starts and stops an existing container; systemd
// follows its monitor through the PID file.
func TestSystemdExistingContainerUnit(t *testing.T) {
	env := userManager(t)
	name := "old-" + Name(t)
	rmContainer(t, name)
	Must(t, "create", "--name", name, "--stop-timeout", "2", Busybox, "httpd", "-f", "-p", "8080", "-h", "/")
	unitText := Must(t, "generate", "systemd", "--name", name)
	id := Must(t, "inspect", "--format", "{{.Id}}", name)
	if !strings.Contains(unitText, "PIDFile=") || !strings.Contains(unitText, id+"/userdata/monitor.pid\n") || !strings.Contains(unitText, "Type=forking\n") {
		t.Fatalf("generate systemd: no PIDFile= of the monitor in\n%s", unitText)
	}
	unitName := "container-" + name + ".service"
	dir := userUnitDir(t)
	installUnit(t, env, dir, unitName, unitText+"\n")
	analyzeVerify(t, filepath.Join(dir, unitName))

	mustSystemctl(t, env, "start", unitName)
	if main, mon := unitProp(env, unitName, "MainPID"), inspectField(t, name, ".State.ConmonPid"); main != mon || main == "0" {
		t.Errorf("MainPID %s, want the monitor's PID %s", main, mon)
	}
	pid := killContainer(t, name)
	waitFor(t, "systemd to restart "+unitName, func() bool {
		p := inspectField(t, name, ".State.Pid")
		return unitProp(env, unitName, "NRestarts") == "1" && unitProp(env, unitName, "ActiveState") == "active" && p != "0" && p != pid
	})
	if main, mon := unitProp(env, unitName, "MainPID"), inspectField(t, name, ".State.ConmonPid"); main != mon {
		t.Errorf("after the restart: MainPID %s, want the monitor's PID %s", main, mon)
	}
	mustSystemctl(t, env, "stop", unitName)
	if s := inspectField(t, name, ".State.Status"); s != "exited" {
		t.Errorf("after systemctl stop: container %s, want exited", s)
	}
}

// quadletReload translates the Quadlet files in dir into the user manager's runtime unit directory and
// reloads it. It does by hand what systemd does with skiff-user-generator at daemon-reload when
// `make install-systemd` installed it, as Podman's own tests run quadlet (test/system/252-quadlet.bats):
// the test user cannot install a generator.
func quadletReload(t *testing.T, env []string, dir string) string {
	t.Helper()
	out := filepath.Join(fmt.Sprintf("/run/user/%d", os.Getuid()), "systemd", "user")
	r := RunIn(t, []string{"QUADLET_UNIT_DIRS=" + dir}, "", "quadlet", "generate", "--user", out)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	mustSystemctl(t, env, "daemon-reload")
	return out
}

// removeGenerated removes units that quadletReload wrote, at the end of the test.
func removeGenerated(t *testing.T, env []string, out string, units ...string) {
	t.Cleanup(func() {
		for _, u := range units {
			systemctl(env, "stop", u)
			os.Remove(filepath.Join(out, u))
		}
		systemctl(env, "daemon-reload")
		systemctl(env, append([]string{"reset-failed"}, units...)...)
	})
}

// TestQuadletContainerUnit: a web.container Quadlet file becomes web.service, which runs like a generated
// unit: active with the monitor as its main process, restarted after a crash, the container gone after
// stop.
func TestQuadletContainerUnit(t *testing.T) {
	env := userManager(t)
	dir := t.TempDir()
	// Quadlet writes no Restart= of its own (Podman's neither): the file asks for it.
	content := "[Service]\nRestart=on-failure\n[Container]\nImage=" + Busybox + "\nExec=httpd -f -p 80 -h /\nStopTimeout=2\nPublishPort=18083:80\n"
	writeFile(t, filepath.Join(dir, "web.container"), content)
	rmContainer(t, "systemd-web")
	removeGenerated(t, env, quadletReload(t, env, dir), "web.service")
	out := filepath.Join(fmt.Sprintf("/run/user/%d", os.Getuid()), "systemd", "user")
	analyzeVerify(t, filepath.Join(out, "web.service"))
	checkNewUnit(t, env, "web.service", "systemd-web", func() {
		waitFor(t, "httpd on :18083", func() bool { return httpOK("http://127.0.0.1:18083/") })
	})
}

// TestQuadletPod: an app.pod file with two .container members starts both in one pod.
func TestQuadletPod(t *testing.T) {
	env := userManager(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.pod"), "[Pod]\n")
	for _, m := range []string{"one", "two"} {
		writeFile(t, filepath.Join(dir, m+".container"), "[Container]\nImage="+Busybox+"\nExec=sleep 1000\nStopTimeout=1\nPod=app.pod\n")
		rmContainer(t, "systemd-"+m)
	}
	t.Cleanup(func() { Run(t, "pod", "rm", "-f", "--ignore", "systemd-app") })
	out := quadletReload(t, env, dir)
	removeGenerated(t, env, out, "app-pod.service", "one.service", "two.service")
	analyzeVerify(t, filepath.Join(out, "app-pod.service"), filepath.Join(out, "one.service"), filepath.Join(out, "two.service"))
	mustSystemctl(t, env, "start", "app-pod.service")
	waitFor(t, "both members to run", func() bool {
		return unitProp(env, "one.service", "ActiveState") == "active" && unitProp(env, "two.service", "ActiveState") == "active"
	})
	pod1, pod2 := inspectField(t, "systemd-one", ".Pod"), inspectField(t, "systemd-two", ".Pod")
	if pod1 == "" || pod1 != pod2 {
		t.Errorf("members in pods %q and %q, want one pod", pod1, pod2)
	}
	mustSystemctl(t, env, "stop", "app-pod.service")
	for _, m := range []string{"systemd-one", "systemd-two"} {
		waitFor(t, m+" to go", func() bool { return inspectField(t, m, ".Id") == "" })
	}
}

// TestSystemdPauseOutlivesUnit: the pause process that a skiff command in a unit creates moves to a scope
// of its own, so stopping the unit keeps the namespace (and every container in it).
func TestSystemdPauseOutlivesUnit(t *testing.T) {
	env := userManager(t)
	s := NewSandbox(t)
	unit := "skiff-pause-test-" + strings.TrimPrefix(Name(t), "t-")
	args := []string{"--user", "--wait", "--collect", "--quiet", "--unit", unit, "-E", env[1]}
	for _, kv := range s.Env {
		args = append(args, "-E", kv)
	}
	args = append(append(append(args, Binary), s.Flags...), "--log-level", "debug", "unshare", "true")
	cmd := exec.Command("systemd-run", args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("systemd-run skiff unshare true: %v\n%s", err, out)
	}
	pid := s.PausePID()
	if pid == 0 || !IsPause(pid) {
		t.Fatalf("the pause process (%d) died with the unit", pid)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil || !strings.Contains(string(b), "/skiff-pause-") || strings.Contains(string(b), unit) {
		t.Errorf("pause process %d is not in a scope of its own: %s %v", pid, b, err)
	}
	// Outside a unit nothing moves.
	s2 := NewSandbox(t)
	s2.Must(t, "unshare", "true")
	if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", s2.PausePID())); strings.Contains(string(b), "/skiff-pause-") {
		t.Errorf("a pause process created outside systemd moved to a scope: %s", b)
	}
}

// TestSystemdRestartService: skiff-restart.service (contrib/systemd/user) brings --restart=always
// containers back: `systemctl --user restart skiff-restart` stops them and starts them again, and one the
// user had stopped comes back too.
func TestSystemdRestartService(t *testing.T) {
	env := userManager(t)
	_, self, _, _ := runtime.Caller(0) // the source tree: the test binary may run anywhere
	tmpl, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "contrib", "systemd", "user", "skiff-restart.service"))
	if err != nil {
		t.Fatalf("the unit skiff installs: %v", err)
	}
	running, stopped := "always-"+Name(t), "stopped-"+Name(t)
	for _, n := range []string{running, stopped} {
		rmContainer(t, n)
		Must(t, "run", "-d", "--name", n, "--restart", "always", "--stop-timeout", "1", Busybox, "sleep", "1000")
	}
	Must(t, "stop", stopped)
	// Stopped by the user, the policy leaves it stopped.
	time.Sleep(500 * time.Millisecond)
	if s := inspectField(t, stopped, ".State.Status"); s != "exited" {
		t.Fatalf("%s after skiff stop: %s, want exited", stopped, s)
	}

	const unitName = "skiff-restart.service"
	dir := userUnitDir(t)
	if _, err := os.Stat(filepath.Join(dir, unitName)); err == nil {
		t.Fatalf("%s exists and is not the test's: remove it", filepath.Join(dir, unitName))
	}
	installUnit(t, env, dir, unitName, strings.ReplaceAll(string(tmpl), "@@SKIFF@@", Binary))
	analyzeVerify(t, filepath.Join(dir, unitName))
	pid := inspectField(t, running, ".State.Pid")
	mustSystemctl(t, env, "start", unitName)
	if s := inspectField(t, stopped, ".State.Status"); s != "running" {
		t.Errorf("%s after starting %s: %s, want running", stopped, unitName, s)
	}
	if p := inspectField(t, running, ".State.Pid"); p != pid {
		t.Errorf("%s was restarted by starting %s (pid %s, was %s)", running, unitName, p, pid)
	}

	mustSystemctl(t, env, "restart", unitName)
	for _, n := range []string{running, stopped} {
		if s, p := inspectField(t, n, ".State.Status"), inspectField(t, n, ".State.Pid"); s != "running" || p == pid {
			t.Errorf("%s after systemctl --user restart %s: %s (pid %s)", n, unitName, s, p)
		}
	}
	mustSystemctl(t, env, "stop", unitName)
	for _, n := range []string{running, stopped} {
		if s := inspectField(t, n, ".State.Status"); s != "exited" {
			t.Errorf("%s after systemctl --user stop %s: %s, want exited", n, unitName, s)
		}
	}
}

// TestRestartPolicyOnFailure: --restart=on-failure:2 on a container that exits 1 restarts it exactly twice.
func TestRestartPolicyOnFailure(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--restart", "on-failure:2", Busybox, "sh", "-c", "echo ran; exit 1")
	waitFor(t, "two restarts", func() bool {
		return inspectField(t, name, ".State.Status") == "exited" && inspectField(t, name, ".RestartCount") == "2"
	})
	time.Sleep(2 * time.Second) // a third restart would have happened by now (back-off 400 ms)
	if n, s := inspectField(t, name, ".RestartCount"), inspectField(t, name, ".State.Status"); n != "2" || s != "exited" {
		t.Errorf("after the retries: RestartCount %s, status %s; want 2, exited", n, s)
	}
	if got := strings.Count(Must(t, "logs", name), "ran"); got != 3 {
		t.Errorf("the container ran %d times, want 3", got)
	}
	if got := inspectField(t, name, ".HostConfig.RestartPolicy.Name") + ":" + inspectField(t, name, ".HostConfig.RestartPolicy.MaximumRetryCount"); got != "on-failure:2" {
		t.Errorf("inspect HostConfig.RestartPolicy: %s", got)
	}
	if code := inspectField(t, name, ".State.ExitCode"); code != "1" {
		t.Errorf("exit code %s, want 1", code)
	}
	// A start by the user resets the count: the policy restarts it twice again.
	Must(t, "start", name)
	waitFor(t, "two more restarts", func() bool {
		return inspectField(t, name, ".State.Status") == "exited" && inspectField(t, name, ".RestartCount") == "2" &&
			strings.Count(Must(t, "logs", name), "ran") == 6
	})
}

// TestRestartPolicyAlways: always restarts after any exit, but never after the user's stop or kill; a
// success does not restart on-failure.
func TestRestartPolicyAlways(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--restart", "always", "--stop-timeout", "1", Busybox, "sh", "-c", "sleep 0.3; exit 0")
	waitFor(t, "restarts after exit 0", func() bool { n := inspectField(t, name, ".RestartCount"); return n != "0" && n != "" })
	Must(t, "stop", name)
	time.Sleep(time.Second)
	n := inspectField(t, name, ".RestartCount")
	time.Sleep(time.Second)
	if s, n2 := inspectField(t, name, ".State.Status"), inspectField(t, name, ".RestartCount"); s != "exited" || n2 != n {
		t.Errorf("after skiff stop: %s, RestartCount %s then %s; want exited and no more restarts", s, n, n2)
	}

	killed := Name(t) + "-killed"
	rmContainer(t, killed)
	Must(t, "run", "-d", "--name", killed, "--restart", "unless-stopped", Busybox, "sleep", "1000")
	Must(t, "kill", killed)
	time.Sleep(1500 * time.Millisecond)
	if s := inspectField(t, killed, ".State.Status"); s != "exited" {
		t.Errorf("unless-stopped after skiff kill: %s, want exited", s)
	}

	ok := Name(t) + "-ok"
	rmContainer(t, ok)
	Must(t, "run", "-d", "--name", ok, "--restart", "on-failure", Busybox, "true")
	time.Sleep(1500 * time.Millisecond)
	if n := inspectField(t, ok, ".RestartCount"); n != "0" {
		t.Errorf("on-failure after exit 0: RestartCount %s, want 0", n)
	}

	Expect(t, 125, []string{"the --rm option conflicts with --restart"}, "run", "--rm", "--restart", "always", Busybox, "true")
	Expect(t, 125, []string{`invalid restart policy "sometimes"`}, "create", "--restart", "sometimes", Busybox, "true")
}

// TestStartStopAllFilter: start and stop --all --filter restart-policy=… pick exactly those containers.
func TestStartStopAllFilter(t *testing.T) {
	always, never := "always-"+Name(t), "never-"+Name(t)
	for n, policy := range map[string]string{always: "always", never: "no"} {
		rmContainer(t, n)
		Must(t, "create", "--name", n, "--restart", policy, "--stop-timeout", "1", Busybox, "sleep", "1000")
	}
	out := Must(t, "start", "--all", "--filter", "restart-policy=always")
	id := Must(t, "inspect", "--format", "{{.Id}}", always)
	if !strings.Contains(out, id) {
		t.Errorf("start --all --filter restart-policy=always printed %q, want %s among them", out, id)
	}
	if s := inspectField(t, always, ".State.Status"); s != "running" {
		t.Errorf("%s: %s, want running", always, s)
	}
	if s := inspectField(t, never, ".State.Status"); s != "created" {
		t.Errorf("%s: %s, want created", never, s)
	}
	Must(t, "start", never)
	Must(t, "stop", "--all", "--filter", "restart-policy=always")
	if s := inspectField(t, always, ".State.Status"); s != "exited" {
		t.Errorf("%s after stop --all --filter: %s, want exited", always, s)
	}
	if s := inspectField(t, never, ".State.Status"); s != "running" {
		t.Errorf("%s after stop --all --filter: %s, want running", never, s)
	}
	Expect(t, 125, []string{"unknown filter"}, "start", "--all", "--filter", "nosuch=1")
}

// TestSystemdNotifyContainer: with --sdnotify=container the container gets the unit's notification socket
// and sends READY=1 itself; with the other modes it sees no NOTIFY_SOCKET.
func TestSystemdNotifyContainer(t *testing.T) {
	env := userManager(t)
	inUnit := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("systemd-run", append([]string{"--user", "--wait", "--collect", "--pipe", "--quiet", "-p", "NotifyAccess=all", Binary}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("systemd-run skiff %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	probe := `echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"; test -S "$NOTIFY_SOCKET" && echo socket; true`
	if out := inUnit("run", "--rm", "--sdnotify=container", Busybox, "sh", "-c", probe); out != "NOTIFY_SOCKET=/run/notify/notify\nsocket\n" {
		t.Errorf("--sdnotify=container in a unit: the container saw\n%s", out)
	}
	for _, mode := range []string{"conmon", "ignore"} {
		if out := inUnit("run", "--rm", "--sdnotify="+mode, Busybox, "sh", "-c", probe); out != "NOTIFY_SOCKET=\n" {
			t.Errorf("--sdnotify=%s in a unit: the container saw\n%s", mode, out)
		}
	}

	// The whole exchange needs a sender in the image: the distro image has socat.
	distro := Registry + "/distro:bookworm"
	if r := Run(t, "pull", "-q", distro); r.Code != 0 {
		t.Fatalf("%s is not in the registry (hack/setup-host.sh pushes it): %s", distro, r.Stderr)
	}
	name := "notify-" + Name(t)
	rmContainer(t, name)
	unitName := name + ".service"
	installUnit(t, env, userUnitDir(t), unitName, "[Service]\nType=notify\nNotifyAccess=all\nTimeoutStartSec=30\n"+
		"ExecStart="+Binary+" run --rm --replace --name "+name+" --sdnotify=container -d "+distro+
		" sh -c 'sleep 1; printf READY=1 | socat - UNIX-SENDTO:$$NOTIFY_SOCKET; sleep 1000'\n"+
		"ExecStop="+Binary+" rm -f --ignore "+name+"\n")
	start := time.Now()
	mustSystemctl(t, env, "start", unitName)
	if took := time.Since(start); took < time.Second {
		t.Errorf("the unit was ready after %s, before the container said so", took)
	}
	if main, mon := unitProp(env, unitName, "MainPID"), inspectField(t, name, ".State.ConmonPid"); main != mon {
		t.Errorf("MainPID %s, want the monitor's PID %s", main, mon)
	}
}

// TestSystemdForegroundRun: in a Type=notify unit, `skiff run` in the foreground makes the monitor the
// main process (--sdnotify=conmon); the monitor ends with the container's exit code, which the unit gets.
func TestSystemdForegroundRun(t *testing.T) {
	env := userManager(t)
	cmd := exec.Command("systemd-run", "--user", "--wait", "--collect", "-p", "Type=notify", "-p", "NotifyAccess=all",
		Binary, "run", "--rm", "--sdnotify=conmon", Busybox, "sh", "-c", "sleep 0.5; exit 3")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(out), "status=3") {
		t.Errorf("systemd-run skiff run … exit 3: %v, want the unit to end with status 3\n%s", err, out)
	}
}

// TestSystemdPodUnits: `generate systemd --new --files --name` for a pod writes the pod's unit and one per
// member; starting the pod's unit starts both members in one pod, stopping it removes the pod.
func TestSystemdPodUnits(t *testing.T) {
	env := userManager(t)
	pod := "gp-" + strings.TrimPrefix(Name(t), "t-")
	t.Cleanup(func() { Run(t, "pod", "rm", "-f", "--ignore", pod) })
	Must(t, "pod", "create", "--name", pod)
	members := []string{pod + "-a", pod + "-b"}
	for _, m := range members {
		Must(t, "create", "--pod", pod, "--name", m, "--stop-timeout", "1", Busybox, "sleep", "1000")
	}
	dir := t.TempDir()
	gen := exec.Command(Binary, "generate", "systemd", "--new", "--files", "--name", pod)
	gen.Dir = dir
	out, err := gen.Output()
	if err != nil {
		t.Fatalf("generate systemd --new --files --name %s: %v", pod, err)
	}
	units := []string{"pod-" + pod + ".service", "container-" + members[0] + ".service", "container-" + members[1] + ".service"}
	var paths []string
	for _, u := range units {
		paths = append(paths, filepath.Join(dir, u))
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(paths, " ") {
		t.Fatalf("generate systemd --files printed %q, want %q", got, paths)
	}
	analyzeVerify(t, paths...)
	Must(t, "pod", "rm", "-f", pod)
	for i, u := range units {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		installUnit(t, env, userUnitDir(t), u, string(b))
	}
	mustSystemctl(t, env, "start", units[0])
	waitFor(t, "both members to run", func() bool {
		return unitProp(env, units[1], "ActiveState") == "active" && unitProp(env, units[2], "ActiveState") == "active"
	})
	podA, podB := inspectField(t, members[0], ".Pod"), inspectField(t, members[1], ".Pod")
	if podA == "" || podA != podB || podA != Must(t, "pod", "inspect", "--format", "{{.ID}}", pod) {
		t.Errorf("members in pods %q and %q, want both in %s", podA, podB, pod)
	}
	mustSystemctl(t, env, "stop", units[0])
	waitFor(t, "the pod to go", func() bool { return Run(t, "pod", "exists", pod).Code == 1 })
	for _, m := range members {
		if r := Run(t, "container", "exists", m); r.Code != 1 {
			t.Errorf("member %s left after the pod's unit stopped", m)
		}
	}
}
