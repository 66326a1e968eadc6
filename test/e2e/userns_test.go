package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// The namespace maps root to the user and 1..65536 to the subordinate range from /etc/subuid.
func TestUnshareMapsSubordinateRange(t *testing.T) {
	out := Must(t, "unshare", "cat", "/proc/self/uid_map")
	want := []string{"0", strconv.Itoa(os.Getuid()), "1", "1", "100000", "65536"}
	if got := strings.Fields(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("uid_map inside = %q, want %q", out, want)
	}
	if id := Must(t, "unshare", "id", "-u"); id != "0" {
		t.Fatalf("id -u inside = %q, want 0", id)
	}
	env := Must(t, "unshare", "sh", "-c", "echo $CONTAINERS_GRAPHROOT")
	if !strings.HasSuffix(env, "/containers/storage") {
		t.Fatalf("CONTAINERS_GRAPHROOT = %q", env)
	}
	Expect(t, 7, nil, "unshare", "sh", "-c", "exit 7")
	Expect(t, 127, []string{"nosuchcommand"}, "unshare", "nosuchcommand")
}

// Every command joins one namespace, pinned by one pause process.
func TestCommandsShareOneNamespace(t *testing.T) {
	a := Must(t, "unshare", "readlink", "/proc/self/ns/user")
	b := Must(t, "unshare", "readlink", "/proc/self/ns/mnt")
	if a2 := Must(t, "unshare", "readlink", "/proc/self/ns/user"); a2 != a {
		t.Fatalf("second command in user namespace %s, first in %s", a2, a)
	}
	if b2 := Must(t, "unshare", "readlink", "/proc/self/ns/mnt"); b2 != b {
		t.Fatalf("second command in mount namespace %s, first in %s", b2, b)
	}
}

// Two first commands racing to create the pause process both succeed and end up in the same namespace,
// pinned by exactly one pause process.
func TestPauseProcessRace(t *testing.T) {
	for round := 0; round < 3; round++ {
		sb := NewSandbox(t)
		const n = 4
		var wg sync.WaitGroup
		results := make([]Result, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = sb.Run(t, "unshare", "readlink", "/proc/self/ns/user")
			}()
		}
		wg.Wait()
		for _, r := range results {
			if r.Code != 0 {
				t.Fatalf("racing first command failed:\n%s", r)
			}
			if r.Stdout != results[0].Stdout {
				t.Fatalf("racing commands ended in different namespaces: %q and %q", r.Stdout, results[0].Stdout)
			}
		}
		pid := sb.PausePID()
		ns, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/user")
		if err != nil || !IsPause(pid) || ns != strings.TrimSpace(results[0].Stdout) {
			t.Fatalf("recorded pause process %d (namespace %q, %v) does not pin the commands' namespace %q", pid, ns, err, results[0].Stdout)
		}
		if others := pausesIn(t, ns); len(others) != 1 {
			t.Fatalf("%d pause processes %v pin namespace %s, want 1", len(others), others, ns)
		}
		sb.KillPause()
	}
}

// A pause.pid that names a dead process (or another program) is replaced, not trusted.
func TestStalePausePID(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must(t, "unshare", "true")
	sb.KillPause()
	// A live process of ours that is not a pause process: sleep.
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	if err := os.WriteFile(sb.PausePIDFile(), []byte(strconv.Itoa(sleep.Process.Pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sb.Must(t, "unshare", "true")
	pid := sb.Must(t, "info", "--format", "{{.Host.PausePID}}")
	if pid == strconv.Itoa(sleep.Process.Pid) || pid == "0" || !IsPause(sb.PausePID()) {
		t.Fatalf("pause pid after a stale record = %s", pid)
	}
}

// On this kernel a fresh store gets native overlay inside the user namespace. (An existing store keeps the
// driver it was created with, as Podman's does.)
func TestInfoReportsNativeOverlay(t *testing.T) {
	g := Isolated(t)
	out := Must(t, append(g, "info", "--format", `{{.Store.GraphDriverName}} {{index .Store.GraphStatus "Native Overlay Diff"}} {{.Host.Security.Rootless}} {{.Host.IDMappings.SingleMapping}}`)...)
	if out != "overlay true true false" {
		t.Fatalf("info = %q, want native overlay, rootless, full mapping", out)
	}
	if opts := Must(t, append(g, "info", "--format", "{{.Store.GraphOptions}}")...); strings.Contains(opts, "mount_program") {
		t.Fatalf("graph options %s name a mount program: fuse-overlayfs, not native overlay", opts)
	}
	full := Must(t, append(g, "info")...)
	for _, want := range []string{"graphDriverName: overlay", "rootless: true", "uidmap:", "ociRuntimes:"} {
		if !strings.Contains(full, want) {
			t.Errorf("info output lacks %q:\n%s", want, full)
		}
	}
}

func TestBadGlobalInput(t *testing.T) {
	r := Expect(t, 125, []string{"unknown flag: --bogus"}, "--bogus", "info")
	if n := strings.Count(strings.TrimSpace(r.Stderr), "\n"); n != 0 {
		t.Fatalf("want one line on stderr, got %d:\n%s", n+1, r.Stderr)
	}
	Expect(t, 125, []string{`unknown command "nosuch"`}, "nosuch")
}

// pausesIn lists this user's pause processes whose user namespace is ns.
func pausesIn(t *testing.T, ns string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !IsPause(pid) {
			continue
		}
		if link, err := os.Readlink("/proc/" + e.Name() + "/ns/user"); err == nil && link == ns {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Joining the namespace keeps the working directory, so relative paths mean what the user meant.
func TestWorkingDirectoryKept(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(Binary, "unshare", "pwd")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skiff unshare pwd in %s: %v", dir, err)
	}
	if got := strings.TrimSpace(string(out)); got != dir {
		t.Fatalf("working directory inside = %q, want %q", got, dir)
	}
}

// userPauses returns the user's pause processes that serve the user (not a sandbox's private one).
func userPauses() []int {
	var out []int
	for _, pid := range processesOf("skiff-pause") {
		env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err == nil && IsPause(pid) && !strings.Contains("\x00"+string(env), "\x00SKIFF_PRIVATE_NAMESPACE=1\x00") {
			out = append(out, pid)
		}
	}
	return out
}

// TestOneNamespaceMixedEnvironments: commands run with XDG_RUNTIME_DIR pointing elsewhere, with it unset
// and another TMPDIR, and under the user's systemd manager all join the user's one namespace, see the
// same containers, and leave exactly one pause process.
func TestOneNamespaceMixedEnvironments(t *testing.T) {
	want := Must(t, "unshare", "readlink", "/proc/self/ns/user")
	envs := []struct {
		name string
		env  []string
	}{
		{"XDG_RUNTIME_DIR elsewhere", []string{"XDG_RUNTIME_DIR=" + t.TempDir()}},
		{"XDG_RUNTIME_DIR unset, TMPDIR elsewhere", []string{"XDG_RUNTIME_DIR=", "TMPDIR=" + t.TempDir()}},
	}
	for _, e := range envs {
		r := RunIn(t, e.env, "", "unshare", "readlink", "/proc/self/ns/user")
		if r.Code != 0 || strings.TrimSpace(r.Stdout) != want {
			t.Errorf("%s: in user namespace %q, want the user's %s\n%s", e.name, strings.TrimSpace(r.Stdout), want, r)
		}
	}
	// A container started from one environment is the same object in another.
	ctr := Name(t)
	rmContainer(t, ctr)
	if r := RunIn(t, envs[0].env, "", "run", "-d", "--name", ctr, Busybox, "sleep", "300"); r.Code != 0 {
		t.Fatalf("run -d with %s:\n%s", envs[0].name, r)
	}
	if s := Must(t, "inspect", "--format", "{{.State.Status}}", ctr); s != "running" {
		t.Errorf("container started with %s: %s in the default environment, want running", envs[0].name, s)
	}
	Must(t, "rm", "-f", ctr)

	cmd := exec.Command("systemd-run", "--user", "--quiet", "--collect", "--wait", "--pipe", Binary, "unshare", "readlink", "/proc/self/ns/user")
	cmd.Env = append(os.Environ(), userManager(t)...)
	out, err := cmd.CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != want {
		t.Errorf("under the user's systemd manager: in user namespace %q (%v), want the user's %s", got, err, want)
	}
	if p := userPauses(); len(p) != 1 {
		t.Errorf("pause processes of the user after commands from mixed environments: %v, want exactly one", p)
	}
}
