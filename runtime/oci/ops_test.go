package oci

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakeRuntime returns a Runtime whose binary records its arguments and answers with the stdout,
// stderr and exit status the test sets in the environment.
func fakeRuntime(t *testing.T, name string, cgroups bool) (*Runtime, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, name)
	script := `#!/bin/sh
echo "$@" >> "$FAKE_LOG"
printf '%s' "$FAKE_STDOUT"
printf '%s' "$FAKE_STDERR" >&2
exit ${FAKE_EXIT:-0}
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "log")
	t.Setenv("FAKE_LOG", log)
	r := newRuntime(name, bin)
	r.StateRoot = filepath.Join(dir, "state")
	r.cgroups = cgroups
	os.MkdirAll(filepath.Join(r.StateRoot, "c1"), 0o700) // c1 exists, anything else does not
	return r, log
}

func TestOps(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		runtime string
		cgroups bool
		stdout  string
		stderr  string
		exit    string
		op      func(r *Runtime) error
		args    string // what the runtime got, "" = not called
		err     error  // errors.Is target; nil = success
		text    string // the whole error text
	}{
		{"start", "runc", false, "", "", "0", func(r *Runtime) error { return r.Start(ctx, "c1") }, "start c1", nil, ""},
		{"kill not running", "runc", false, "", `time="x" level=error msg="container not running"` + "\n", "1",
			func(r *Runtime) error { return r.Kill(ctx, "c1", syscall.SIGTERM, false) },
			"kill c1 15", ErrNotRunning, "runc kill c1 SIGTERM: container not running"},
		{"crun kill exited", "crun", false, "", "kill container: No such process\n", "1",
			func(r *Runtime) error { return r.Kill(ctx, "c1", syscall.SIGKILL, false) },
			"--cgroup-manager=disabled kill c1 9", ErrNotRunning, "crun kill c1 SIGKILL: kill container: No such process"},
		{"kill all without cgroup signals init only", "runc", false, "", "", "0",
			func(r *Runtime) error { return r.Kill(ctx, "c1", syscall.SIGKILL, true) }, "kill c1 9", nil, ""},
		{"kill all with cgroup", "runc", true, "", "", "0",
			func(r *Runtime) error { return r.Kill(ctx, "c1", syscall.SIGKILL, true) }, "kill --all c1 9", nil, ""},
		{"state of an unknown container", "crun", false, "", "error opening file `/x/c2/status`: No such file or directory\n", "1",
			func(r *Runtime) error { _, err := r.State(ctx, "c2"); return err },
			"state c2", ErrNotExist, "crun state c2: error opening file `/x/c2/status`: No such file or directory"},
		{"unparsable state", "runc", false, "not json", "", "0",
			func(r *Runtime) error { _, err := r.State(ctx, "c1"); return err }, "state c1", nil, `runc state c1: parse "not json"`},
		{"delete unknown", "runc", false, "", `time="x" level=error msg="container does not exist"`, "1",
			func(r *Runtime) error { return r.Delete(ctx, "c2", false) }, "delete c2", ErrNotExist, "runc delete c2: container does not exist"},
		{"force delete unknown is fine", "runc", false, "", "", "1",
			func(r *Runtime) error { return r.Delete(ctx, "c2", true) }, "delete --force c2", nil, ""},
		{"delete running", "runc", false, "", `time="x" level=error msg="cannot delete container c1 that is not stopped: running"`, "1",
			func(r *Runtime) error { return r.Delete(ctx, "c1", false) }, "delete c1", nil,
			"runc delete c1: cannot delete container c1 that is not stopped: running: exit status 1"},
		{"pause rootless", "runc", false, "", "", "0", func(r *Runtime) error { return r.Pause(ctx, "c1") }, "", ErrNoCgroup,
			"runc pause c1: pause/unpause of a rootless container requires cgroup v2 delegation"},
		{"resume rootless", "crun", false, "", "", "0", func(r *Runtime) error { return r.Resume(ctx, "c1") }, "", ErrNoCgroup,
			"crun resume c1: pause/unpause of a rootless container requires cgroup v2 delegation"},
		{"pause with cgroup", "runc", true, "", "", "0", func(r *Runtime) error { return r.Pause(ctx, "c1") }, "pause c1", nil, ""},
		{"bad id", "runc", false, "", "", "0", func(r *Runtime) error { return r.Start(ctx, "../c1") }, "", nil, `runc start ../c1: invalid container ID "../c1"`},
		{"no message", "runc", false, "", "", "2", func(r *Runtime) error { return r.Start(ctx, "c1") }, "start c1", nil, "runc start c1: exit status 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, log := fakeRuntime(t, tt.runtime, tt.cgroups)
			t.Setenv("FAKE_STDOUT", tt.stdout)
			t.Setenv("FAKE_STDERR", tt.stderr)
			t.Setenv("FAKE_EXIT", tt.exit)
			err := tt.op(r)
			called, _ := os.ReadFile(log)
			if tt.args == "" && len(called) > 0 {
				t.Errorf("the runtime was called: %s", called)
			}
			if tt.args != "" && !strings.HasSuffix(strings.TrimSpace(string(called)), tt.args) {
				t.Errorf("the runtime got %q, want it to end with %q", called, tt.args)
			}
			switch {
			case tt.text == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.text != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.text)):
				t.Fatalf("error %v, want %q", err, tt.text)
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("error %v does not wrap %v", err, tt.err)
			}
		})
	}
}

func TestStateParse(t *testing.T) {
	r, _ := fakeRuntime(t, "runc", false)
	t.Setenv("FAKE_STDOUT", `{"ociVersion":"1.0.2-dev","id":"c1","pid":4242,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"2026-11-22T20:40:26.123456789Z","owner":""}`)
	s, err := r.State(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "c1" || s.Pid != 4242 || s.Status != "running" || s.Bundle != "/b" || s.Created.Nanosecond() != 123456789 {
		t.Errorf("State = %+v", s)
	}
}
