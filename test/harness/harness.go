package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Registry is the local registry hack/setup-host.sh starts and fills with the project's test images.
const Registry = "localhost:5000"

// Images built by hack/setup-host.sh.
const (
	Busybox = Registry + "/busybox:latest"
	Layers  = Registry + "/layers:1"
)

// Binary is the skiff binary under test: $SKIFF_BIN, else bin/skiff at the top of the tree.
var Binary string

// Main is the TestMain of every end-to-end package: it finds the binary and refuses to run as root.
func Main(m *testing.M) {
	if os.Geteuid() == 0 {
		fmt.Fprintln(os.Stderr, "end-to-end tests must run as an unprivileged user (make test-e2e runs them as skiff-test)")
		os.Exit(2)
	}
	Binary = os.Getenv("SKIFF_BIN")
	if Binary == "" {
		wd, _ := os.Getwd()
		Binary = filepath.Join(wd, "..", "..", "bin", "skiff")
	}
	if _, err := os.Stat(Binary); err != nil {
		fmt.Fprintf(os.Stderr, "skiff binary %s: %v (run make build, or set SKIFF_BIN)\n", Binary, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// Result is the outcome of one skiff invocation.
type Result struct {
	Args           []string
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("skiff %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// Timeout bounds every invocation so that a hung command fails its test instead of the whole run.
var Timeout = 2 * time.Minute

// Run runs skiff with args and returns what happened; it fails the test only if skiff could not be started.
func Run(t testing.TB, args ...string) Result {
	t.Helper()
	return RunIn(t, nil, "", args...)
}

// RunIn runs skiff with extra environment variables and standard input.
func RunIn(t testing.TB, env []string, stdin string, args ...string) Result {
	t.Helper()
	return run(t, "", env, stdin, args)
}

// RunInDir runs skiff in the working directory dir with extra environment variables.
func RunInDir(t testing.TB, dir string, env []string, args ...string) Result {
	t.Helper()
	return run(t, dir, append([]string{"PWD=" + dir}, env...), "", args)
}

// run runs skiff in dir ("" for the test's own) and returns what happened; it fails the test only if
// skiff could not be started or timed out.
func run(t testing.TB, dir string, env []string, stdin string, args []string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Args: args, Stdout: out.String(), Stderr: errb.String()}
	if ctx.Err() != nil {
		t.Fatalf("skiff %s: timed out after %s\nstderr: %s", strings.Join(args, " "), Timeout, r.Stderr)
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("skiff %s: %v", strings.Join(args, " "), err)
		}
		r.Code = ee.ExitCode()
	}
	return r
}

// Must runs skiff and fails the test unless it exits 0; it returns trimmed stdout.
func Must(t testing.TB, args ...string) string {
	t.Helper()
	r := Run(t, args...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	return strings.TrimSpace(r.Stdout)
}

// Expect runs skiff and fails the test unless it exits with code and stderr contains each of want.
func Expect(t testing.TB, code int, want []string, args ...string) Result {
	t.Helper()
	r := Run(t, args...)
	if r.Code != code {
		t.Fatalf("want exit %d\n%s", code, r)
	}
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Fatalf("want stderr to contain %q\n%s", w, r)
		}
	}
	return r
}

// Name returns a resource name unique to the test, for containers, volumes and tags.
func Name(t testing.TB) string {
	n := strings.ToLower(strings.NewReplacer("/", "-", "_", "-", " ", "-").Replace(t.Name()))
	return fmt.Sprintf("t-%s-%d", n, time.Now().UnixNano()%100000)
}

// Isolated returns global flags that give the test its own storage under t.TempDir(), for tests that
// count or remove images. Its files belong to subordinate IDs, so cleanup removes them inside the namespace.
func Isolated(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	flags := []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot")}
	t.Cleanup(func() {
		Run(t, append(flags, "unshare", "rm", "-rf", filepath.Join(dir, "root"), filepath.Join(dir, "runroot"))...)
	})
	return flags
}

// Sandbox is a private user namespace and storage for one test: its own runtime directory (so its own pause
// process) and its own storage. Tests that kill or reset the namespace use it, so that they never disturb
// the containers of other tests or of the user.
type Sandbox struct {
	Env        []string // XDG_RUNTIME_DIR of the sandbox
	Flags      []string // --root and --runroot of the sandbox
	RuntimeDir string
}

// NewSandbox creates a sandbox that is torn down (storage removed, pause process killed) when the test ends.
func NewSandbox(t testing.TB) *Sandbox {
	t.Helper()
	dir := t.TempDir()
	s := &Sandbox{
		RuntimeDir: filepath.Join(dir, "run"),
		Flags:      []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot")},
	}
	if err := os.Mkdir(s.RuntimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A namespace of its own, not the user's (SKIFF_PRIVATE_NAMESPACE: see userns/join.c).
	s.Env = []string{"XDG_RUNTIME_DIR=" + s.RuntimeDir, "SKIFF_PRIVATE_NAMESPACE=1"}
	t.Cleanup(func() {
		s.Run(t, "unshare", "rm", "-rf", filepath.Join(dir, "root"), filepath.Join(dir, "runroot"))
		s.KillPause()
	})
	return s
}

// Run runs skiff in the sandbox.
func (s *Sandbox) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return RunIn(t, s.Env, "", append(append([]string{}, s.Flags...), args...)...)
}

// Must runs skiff in the sandbox and fails the test unless it exits 0; it returns trimmed stdout.
func (s *Sandbox) Must(t testing.TB, args ...string) string {
	t.Helper()
	r := s.Run(t, args...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	return strings.TrimSpace(r.Stdout)
}

// PausePIDFile is where the sandbox's pause process is recorded.
func (s *Sandbox) PausePIDFile() string { return filepath.Join(s.RuntimeDir, "skiff", "pause.pid") }

// PausePID returns the recorded pause PID of the sandbox, or 0.
func (s *Sandbox) PausePID() int {
	b, err := os.ReadFile(s.PausePIDFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// KillPause kills the sandbox's pause process and waits until it is gone.
func (s *Sandbox) KillPause() {
	pid := s.PausePID()
	if pid <= 0 || !IsPause(pid) {
		return
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); IsPause(pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// IsPause reports whether pid is a live skiff pause process of this user.
func IsPause(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !strings.HasPrefix(string(cmdline), "skiff-pause\x00") {
		return false
	}
	var st syscall.Stat_t
	return syscall.Stat("/proc/"+strconv.Itoa(pid), &st) == nil && int(st.Uid) == os.Getuid()
}
