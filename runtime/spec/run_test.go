package spec

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// This file proves that generated specs start under runc: as the test's user when that is root, and in
// a user namespace with only the user's own ID mapped (unshare --map-root-user), which is skiff's
// rootless single-mapping mode. The subuid mode is exercised by the end-to-end tests.

// findRunc returns runc's path or skips the test.
func findRunc(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"runc", "/usr/sbin/runc", "/usr/bin/runc"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("runc is not installed")
	return ""
}

// busyboxRootfs builds a root file system from a statically linked busybox, or skips.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox is not installed (Debian: busybox-static)")
	}
	f, err := elf.Open(bb)
	if err != nil {
		t.Skipf("busybox: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Skipf("%s is dynamically linked; the test needs busybox-static", bb)
		}
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/app"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	src, err := os.Open(bb)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(root, "bin/busybox"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	for _, a := range []string{"sh", "cat", "grep", "ls", "ps", "hostname", "id", "touch", "wc", "unshare", "echo"} {
		os.Symlink("busybox", filepath.Join(root, "bin", a))
	}
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(testPasswd), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte(testGroup), 0o644)
	return root
}

// runSpec writes s into a bundle and runs it with runc (prefixed by wrap, e.g. unshare), returning its output.
func runSpec(t *testing.T, runc string, wrap []string, s any) (string, error) {
	t.Helper()
	bundle := t.TempDir()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("skiff-spec-test-%d", os.Getpid())
	argv := append(append([]string{}, wrap...), runc, "--root", t.TempDir(), "run", "-b", bundle, id)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, nil
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%v: %w\n%s", argv, err, errb.String())
	}
	return out.String(), nil
}

// userNSWrapper returns the command that runs runc in a new user namespace mapping only the caller's
// IDs (as skiff does without subuids), or skips if the kernel does not allow one.
func userNSWrapper(t *testing.T) []string {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	if err := cmd.Run(); err != nil {
		// Only a kernel limit is a reason to skip (STYLE.md): unprivileged user namespaces disabled,
		// or the per-user limit reached.
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EACCES) {
			t.Skipf("cannot create a user namespace here: %v", err)
		}
		t.Fatalf("clone(CLONE_NEWUSER): %v", err)
	}
	return []string{unshare, "--user", "--map-root-user"}
}

func TestSpecRunsUnderRunc(t *testing.T) {
	runc := findRunc(t)
	rootfs := busyboxRootfs(t)
	script := strings.Join([]string{
		"echo uid=$(id -u) gid=$(id -g) groups=$(id -G)",
		"grep -E '^Cap(Eff|Bnd|Amb)' /proc/self/status",
		"grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status",
		"echo pid1=$(cat /proc/1/comm) pids=$(ls -d /proc/[0-9]* | wc -l)",
		"echo hostname=$(hostname)",
		"echo home=$HOME container=$container",
		"ls /etc/shadow 2>/dev/null || echo no-shadow",
		"touch /probe 2>/dev/null && echo root-rw || echo root-ro",
		"touch /tmp/probe && echo tmp-rw",
		"unshare -U true 2>/dev/null && echo unshare-allowed || echo unshare-denied",
	}, "; ")

	modes := []struct {
		name   string
		wrap   func(t *testing.T) []string
		single bool
	}{
		{"root", func(t *testing.T) []string {
			if os.Geteuid() != 0 {
				t.Skip("runc without a user namespace needs root")
			}
			return nil
		}, false},
		{"userns-single-mapping", userNSWrapper, true},
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"defaults", Options{Hostname: "skiffy"}, []string{
			"uid=0 gid=0", "CapEff:\t00000000800405fb", "CapBnd:\t00000000800405fb", "CapAmb:\t0000000000000000",
			"Seccomp:\t2", "NoNewPrivs:\t0", "pid1=sh", "hostname=skiffy", "home=/root container=skiff", "no-shadow",
			"root-rw", "tmp-rw", "unshare-denied"}},
		{"user", Options{User: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{10}, Home: "/home/app"}, CapAdd: []string{"NET_RAW"}}, []string{
			"uid=1000 gid=1000 groups=1000 10", "CapEff:\t0000000000002000", "CapAmb:\t0000000000002000", "home=/home/app"}},
		{"read-only, no-new-privileges", Options{ReadOnly: true, SecurityOpts: []string{"no-new-privileges"}}, []string{
			"root-ro", "tmp-rw", "NoNewPrivs:\t1"}},
		{"unconfined", Options{SecurityOpts: []string{"seccomp=unconfined"}, CapAdd: []string{"SYS_ADMIN"}}, []string{
			"Seccomp:\t0", "unshare-allowed"}},
		{"host network", Options{Namespaces: Namespaces{Net: "host"}}, []string{"uid=0", "Seccomp:\t2"}},
		{"host pid", Options{Namespaces: Namespaces{PID: "host"}}, []string{"uid=0"}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			wrap := m.wrap(t)
			if wrap != nil {
				// Generate runs here, but runc in the new user namespace, where no hard limit can be raised.
				saved := canRaiseHardLimits
				canRaiseHardLimits = func() bool { return false }
				t.Cleanup(func() { canRaiseHardLimits = saved })
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					o := tt.opts
					o.RootFS, o.Args, o.SingleMapping = rootfs, []string{"/bin/sh", "-c", script}, m.single
					if m.single && o.User.UID != 0 {
						t.Skip("a single-ID mapping has no uid 1000")
					}
					if o.User.UID == 0 {
						u, err := ResolveUser(rootfs, "")
						if err != nil {
							t.Fatal(err)
						}
						o.User = u
					}
					s, err := Generate(o)
					if err != nil {
						t.Fatal(err)
					}
					out, err := runSpec(t, runc, wrap, s)
					if err != nil {
						t.Fatal(err)
					}
					for _, w := range tt.want {
						if !strings.Contains(out, w) {
							t.Errorf("output lacks %q:\n%s", w, out)
						}
					}
					var pid1 string
					var pids int
					if i := strings.Index(out, "pid1="); i >= 0 {
						fmt.Sscanf(out[i:], "pid1=%s pids=%d", &pid1, &pids)
					}
					if private := o.Namespaces.PID == ""; private != (pid1 == "sh" && pids < 8) {
						t.Errorf("private PID namespace %v, but PID 1 is %q and %d PIDs are visible", private, pid1, pids)
					}
				})
			}
		})
	}
}
