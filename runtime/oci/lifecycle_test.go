package oci

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/runtime/spec"
)

// The tests here drive the real runtimes. Each runs twice: as the test's user when that is root
// (rootful, with cgroups), and re-executed in a user namespace that maps only the caller's own ID
// (unshare --map-root-user), which is how a rootless skiff without subuids runs the runtime.

const innerEnv = "SKIFF_OCI_TEST_IN_USERNS"

// inModes runs fn as root (if the test runs as root) and inside a new user namespace.
func inModes(t *testing.T, fn func(t *testing.T)) {
	if os.Getenv(innerEnv) != "" {
		fn(t)
		return
	}
	t.Run("root", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("the rootful run needs root")
		}
		fn(t)
	})
	t.Run("userns", func(t *testing.T) {
		unshare, err := exec.LookPath("unshare")
		if err != nil {
			t.Skip("unshare (util-linux) is not installed")
		}
		probe := exec.Command("/bin/true")
		probe.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
		if err := probe.Run(); err != nil {
			if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EACCES) {
				t.Skipf("cannot create a user namespace here: %v", err)
			}
			t.Fatalf("clone(CLONE_NEWUSER): %v", err)
		}
		top, _, _ := strings.Cut(t.Name(), "/")
		cmd := exec.Command(unshare, "--user", "--map-root-user", os.Args[0], "-test.run=^"+top+"$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), innerEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("inside the user namespace:\n%s", out)
		if err != nil {
			t.Fatalf("%s in a user namespace: %v", top, err)
		}
		if strings.Contains(string(out), "--- SKIP: "+top) {
			t.Skip("skipped inside the user namespace")
		}
	})
}

// staticBusybox returns the path of a statically linked busybox, or skips.
func staticBusybox(t *testing.T) string {
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
	return bb
}

// bundle writes a bundle whose rootfs holds busybox and whose config runs args.
func bundle(t *testing.T, args ...string) string {
	t.Helper()
	return bundleWith(t, spec.Options{Args: args})
}

// bundleWith writes a bundle whose rootfs holds busybox and whose config comes from o.
func bundleWith(t *testing.T, o spec.Options) string {
	t.Helper()
	bb := staticBusybox(t)
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "sys", "dev", "tmp"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	src, err := os.Open(bb)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(rootfs, "bin/busybox"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	dst.Close()
	for _, a := range []string{"sh", "sleep", "echo", "cat"} {
		os.Symlink("busybox", filepath.Join(rootfs, "bin", a))
	}
	o.RootFS, o.SingleMapping = rootfs, os.Getenv(innerEnv) != ""
	s, err := spec.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runArgv runs an argument vector from CreateCommand or ExecCommand with its output going to a file
// (a pipe would keep Wait waiting for the container), and returns that output.
func runArgv(t *testing.T, argv []string) (string, error) {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	b, _ := os.ReadFile(out.Name())
	return string(b), err
}

func TestLifecycleRunc(t *testing.T) {
	inModes(t, func(t *testing.T) {
		if _, err := exec.LookPath("runc"); err != nil {
			if _, err := os.Stat("/usr/sbin/runc"); err != nil {
				t.Skip("runc is not installed")
			}
		}
		ctx := context.Background()
		r, err := Find("runc", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		rootless := os.Getenv(innerEnv) != ""
		if r.cgroups == rootless {
			t.Fatalf("cgroups = %v in a rootless=%v run", r.cgroups, rootless)
		}
		id := "skiff-oci-test-" + strconv.Itoa(os.Getpid())
		b := bundle(t, "/bin/sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.1; done")
		t.Cleanup(func() { r.Delete(context.Background(), id, true) })

		pidFile := filepath.Join(b, "pid")
		if out, err := runArgv(t, r.CreateCommand(b, id, pidFile, "", 0)); err != nil {
			t.Fatalf("create: %v\n%s\nlog: %s", err, out, LogError(CreateLogFile(b)))
		}
		st, err := r.State(ctx, id)
		if err != nil || st.Status != "created" || st.ID != id || st.Bundle != b || st.Created.IsZero() {
			t.Fatalf("State after create = %+v, %v", st, err)
		}
		if pid, _ := os.ReadFile(pidFile); strings.TrimSpace(string(pid)) != strconv.Itoa(st.Pid) {
			t.Errorf("pid file %q, state pid %d", pid, st.Pid)
		}
		if err := r.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
		if st, _ = r.State(ctx, id); st.Status != "running" {
			t.Fatalf("State after start = %+v", st)
		}
		if err := r.Start(ctx, id); err == nil || !strings.HasPrefix(err.Error(), "runc start "+id+": ") {
			t.Errorf("second start: %v", err)
		}

		// exec
		proc := rspec.Process{Args: []string{"/bin/echo", "from exec"}, Cwd: "/", Env: []string{"PATH=/bin"}}
		pj := filepath.Join(b, "exec1.json")
		pb, _ := json.Marshal(proc)
		os.WriteFile(pj, pb, 0o644)
		if out, err := runArgv(t, r.ExecCommand(id, pj, filepath.Join(b, "exec1.pid"), "", false)); err != nil || !strings.Contains(out, "from exec") {
			t.Errorf("exec: %q, %v", out, err)
		}
		proc.Args = []string{"/nonexistent"}
		pb, _ = json.Marshal(proc)
		os.WriteFile(pj, pb, 0o644)
		if _, err := runArgv(t, r.ExecCommand(id, pj, "", "", false)); err == nil || !strings.Contains(LogError(ExecLogFile(pj)), "nonexistent") {
			t.Errorf("exec of a missing binary: %v, log %q", err, LogError(ExecLogFile(pj)))
		}

		// pause needs a cgroup: rootless it fails before calling runc
		err = r.Pause(ctx, id)
		if rootless != errors.Is(err, ErrNoCgroup) {
			t.Errorf("Pause (rootless=%v): %v", rootless, err)
		}
		if !rootless {
			if err != nil {
				t.Errorf("Pause: %v", err)
			} else if st, _ = r.State(ctx, id); st.Status != "paused" {
				t.Errorf("State after pause = %+v", st)
			}
			if err := r.Resume(ctx, id); err != nil {
				t.Errorf("Resume: %v", err)
			}
		}

		if err := r.Kill(ctx, id, syscall.SIGTERM, true); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for st.Status != "stopped" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			st, _ = r.State(ctx, id)
		}
		if st.Status != "stopped" {
			t.Fatalf("State after SIGTERM = %+v", st)
		}
		err = r.Kill(ctx, id, syscall.SIGTERM, false)
		if !errors.Is(err, ErrNotRunning) || err.Error() != "runc kill "+id+" SIGTERM: container not running" {
			t.Errorf("kill of a stopped container: %v", err)
		}
		if err := r.Delete(ctx, id, false); err != nil {
			t.Fatal(err)
		}
		if _, err := r.State(ctx, id); !errors.Is(err, ErrNotExist) {
			t.Errorf("State after delete: %v", err)
		}
		if err := r.Delete(ctx, id, false); !errors.Is(err, ErrNotExist) {
			t.Errorf("second delete: %v", err)
		}
		if err := r.Delete(ctx, id, true); err != nil {
			t.Errorf("forced delete of a deleted container: %v", err)
		}

		// a create that fails leaves its reason in the log
		b2 := bundle(t, "/nonexistent")
		out, err := runArgv(t, r.CreateCommand(b2, id+"-bad", "", "", 0))
		if err == nil {
			r.Delete(ctx, id+"-bad", true)
			t.Fatalf("create of a missing command succeeded: %s", out)
		}
		if msg := LogError(CreateLogFile(b2)); !strings.Contains(msg, "/nonexistent") {
			t.Errorf("LogError after a failed create = %q (output %q)", msg, out)
		}
	})
}

// TestCrunDetection checks crunHybridRefusal against crun itself: on a host where it predicts a refusal,
// crun must fail with its hybrid-mode message, and elsewhere it must not.
func TestCrunDetection(t *testing.T) {
	inModes(t, func(t *testing.T) {
		path, err := exec.LookPath("crun")
		if err != nil {
			t.Skip("crun is not installed")
		}
		r := newRuntime("crun", path)
		r.StateRoot, r.cgroups = t.TempDir(), !rootless()
		id := "skiff-crun-probe-" + strconv.Itoa(os.Getpid())
		b := bundle(t, "/bin/true")
		out, err := runArgv(t, r.CreateCommand(b, id, "", "", 0))
		if err == nil {
			r.Delete(context.Background(), id, true)
		}
		refused := strings.Contains(out+LogError(CreateLogFile(b)), "cgroups in hybrid mode not supported")
		predicted := crunHybridRefusal()
		if refused != (predicted != "") {
			t.Errorf("crun refused=%v (output %q), crunHybridRefusal() = %q", refused, out, predicted)
		}
		t.Logf("crun %s: refused=%v; predicted %q", r.Version(), refused, predicted)
	})
}

// TestConsoleSocket runs a container with a terminal: CreateCommand passes --console-socket, the
// runtime sends the pty master over it, and the container's output comes out of the master.
func TestConsoleSocket(t *testing.T) {
	inModes(t, func(t *testing.T) {
		if _, err := exec.LookPath("runc"); err != nil {
			if _, err := os.Stat("/usr/sbin/runc"); err != nil {
				t.Skip("runc is not installed")
			}
		}
		ctx := context.Background()
		r, err := Find("runc", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		b := bundleWith(t, spec.Options{Args: []string{"/bin/sh", "-c", "echo tty-ok; sleep 1"}, Terminal: true})
		sock := filepath.Join(b, "console.sock")
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		master := make(chan *os.File, 1)
		go func() {
			defer close(master)
			c, err := l.AcceptUnix()
			if err != nil {
				return
			}
			defer c.Close()
			oob := make([]byte, unix.CmsgSpace(4))
			_, oobn, _, _, err := c.ReadMsgUnix(make([]byte, 64), oob)
			if err != nil {
				return
			}
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil || len(msgs) == 0 {
				return
			}
			fds, err := unix.ParseUnixRights(&msgs[0])
			if err == nil && len(fds) == 1 {
				master <- os.NewFile(uintptr(fds[0]), "pty-master")
			}
		}()
		id := "skiff-tty-test-" + strconv.Itoa(os.Getpid())
		t.Cleanup(func() { r.Delete(context.Background(), id, true) })
		if out, err := runArgv(t, r.CreateCommand(b, id, filepath.Join(b, "pid"), sock, 0)); err != nil {
			t.Fatalf("create with a terminal: %v\n%s\nlog: %s", err, out, LogError(CreateLogFile(b)))
		}
		var m *os.File
		select {
		case m = <-master:
		case <-time.After(5 * time.Second):
		}
		if m == nil {
			t.Fatal("no pty master received on the console socket")
		}
		defer m.Close()
		if err := r.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 256)
		m.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := m.Read(buf)
		if !strings.Contains(string(buf[:n]), "tty-ok") {
			t.Errorf("read %q from the pty master, want tty-ok", buf[:n])
		}
	})
}
