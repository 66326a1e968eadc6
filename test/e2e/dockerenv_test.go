package e2e

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// dockerEnv is a `skiff system service` of the test's own (on a socket in the test's directory, never
// exiting on idleness) and the environment that points the real docker CLI (28.x) and docker compose
// (the plugin hack/setup-host.sh builds) at it. No Docker engine runs anywhere.
type dockerEnv struct {
	docker string   // the docker CLI
	env    []string // DOCKER_HOST and a client configuration of the test's own
	log    *bytes.Buffer
}

// newDockerEnv starts the service and waits for its socket; the test's end stops it.
func newDockerEnv(t *testing.T) *dockerEnv {
	t.Helper()
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("the docker CLI is needed (the machine image has docker 28.x): %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "api.sock")
	d := &dockerEnv{docker: docker, log: &bytes.Buffer{},
		env: []string{"DOCKER_HOST=unix://" + sock, "DOCKER_CONFIG=" + filepath.Join(dir, "docker-config")}}
	cmd := exec.Command(Binary, "system", "service", "--time", "0", "unix://"+sock)
	cmd.Stdout, cmd.Stderr = d.log, d.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("service log:\n%s", d.log.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return d
		}
		select {
		case err := <-done:
			t.Fatalf("skiff system service exited: %v\n%s", err, d.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no socket %s after 20s\n%s", sock, d.log.String())
		}
	}
}

// command is the docker CLI with args, pointed at the service.
func (d *dockerEnv) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, d.docker, args...)
	cmd.Env = append(os.Environ(), d.env...)
	return cmd
}

// run runs the docker CLI and returns what happened.
func (d *dockerEnv) run(t *testing.T, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := d.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Args: append([]string{"(docker)"}, args...), Stdout: out.String(), Stderr: errb.String()}
	if ctx.Err() != nil {
		t.Fatalf("docker %s: timed out\n%s", strings.Join(args, " "), r.Stderr)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// must runs the docker CLI and fails the test unless it exits 0; it returns trimmed stdout.
func (d *dockerEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	r := d.run(t, args...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	return strings.TrimSpace(r.Stdout)
}
