package nosub

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// A login node with nothing: no subordinate IDs, XDG_RUNTIME_DIR unset, no systemd session, no lingering,
// no writable cgroup, and a home directory skiff has never seen. pull, run, exec and logs work the first
// time, and system check explains what is degraded.
func TestLoginNodeFirstTime(t *testing.T) {
	if os.Getenv("XDG_RUNTIME_DIR") != "" {
		t.Fatalf("test/nosub runs with XDG_RUNTIME_DIR unset (hack/test-e2e.sh), got %s", os.Getenv("XDG_RUNTIME_DIR"))
	}
	base := t.TempDir()
	home, tmp := filepath.Join(base, "home"), filepath.Join(base, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing runs for the user yet on such a node: a namespace of its own, not the one the other tests
	// of this user made (SKIFF_PRIVATE_NAMESPACE, see userns/join.c).
	env := []string{"HOME=" + home, "TMPDIR=" + tmp, "SKIFF_PRIVATE_NAMESPACE=1"}
	run := func(args ...string) Result { return RunIn(t, env, "", args...) }
	runDir := filepath.Join(tmp, "skiff-run-"+strconv.Itoa(os.Getuid()))
	t.Cleanup(func() {
		run("rm", "-af")
		run("unshare", "rm", "-rf", filepath.Join(home, ".local"))
		b, _ := os.ReadFile(filepath.Join(runDir, "skiff", "pause.pid"))
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && IsPause(pid) {
			_ = syscallKill(pid)
		}
	})

	r := run("pull", Busybox)
	if r.Code != 0 {
		t.Fatalf("first pull:\n%s", r)
	}
	if !strings.Contains(r.Stderr, "single-UID mapping") {
		t.Errorf("first command does not explain the single-UID mapping:\n%s", r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "share", "containers", "storage")); err != nil {
		t.Errorf("the images are not in the new home's storage: %v", err)
	}
	if st, err := os.Stat(runDir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("runtime directory %s (XDG_RUNTIME_DIR unset): %v %v", runDir, st, err)
	}
	if r := run("run", "--rm", Busybox, "echo", "first-run"); r.Code != 0 || strings.TrimSpace(r.Stdout) != "first-run" {
		t.Fatalf("run:\n%s", r)
	}
	name := Name(t)
	if r := run("run", "-d", "--name", name, Busybox, "sh", "-c", "echo logged; sleep 300"); r.Code != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	if r := run("exec", name, "sh", "-c", "echo exec-ok; id -u"); r.Code != 0 || !strings.Contains(r.Stdout, "exec-ok") {
		t.Fatalf("exec:\n%s", r)
	}
	var logs Result
	for i := 0; i < 50; i++ {
		if logs = run("logs", name); strings.Contains(logs.Stdout, "logged") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if logs.Code != 0 || !strings.Contains(logs.Stdout, "logged") {
		t.Fatalf("logs:\n%s", logs)
	}
	if r := run("rm", "-f", name); r.Code != 0 {
		t.Fatalf("rm -f:\n%s", r)
	}

	r = run("system", "check", "--format", "json")
	if r.Code != 1 {
		t.Fatalf("system check: want exit 1 with findings\n%s", r)
	}
	var rep struct {
		Host []struct{ Check, Problem, Fix string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	var found []string
	for _, f := range rep.Host {
		found = append(found, f.Check)
		if f.Check == "xdg_runtime_dir" && !strings.Contains(f.Problem, "not set") {
			t.Errorf("xdg_runtime_dir finding: %+v", f)
		}
	}
	for _, want := range []string{"subids", "xdg_runtime_dir"} {
		if !slices.Contains(found, want) {
			t.Errorf("system check lacks %s: %v", want, found)
		}
	}
	if comm, _ := os.ReadFile("/proc/1/comm"); strings.TrimSpace(string(comm)) != "systemd" && !slices.Contains(found, "systemd") {
		t.Errorf("no systemd as init here, but system check does not say so: %v", found)
	}
}

func syscallKill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
