package oci

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// State is what the runtime's "state" command reports about a container.
type State struct {
	ID      string    `json:"id"`
	Pid     int       `json:"pid"`    // the init process; 0 once stopped
	Status  string    `json:"status"` // creating, created, running, paused or stopped
	Bundle  string    `json:"bundle"`
	Created time.Time `json:"created"`
}

// Start starts the process of a created container.
func (r *Runtime) Start(ctx context.Context, id string) error {
	_, err := r.run(ctx, "start", id, "", "start", id)
	return err
}

// Kill sends sig to the container's init process, or with all to every process in it. The runtimes find
// "every process" in the container's cgroup: without one (rootless) runc fails with "lstat : no such
// file or directory", so there all is dropped and only init is signalled. With a PID namespace of its
// own that is enough for SIGKILL, as the kernel kills the namespace with its init; processes of a
// container in the host's PID namespace outlive it.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	args := []string{"kill"}
	if all && r.cgroups {
		args = append(args, "--all")
	} else if all {
		logrus.Debugf("%s kill %s: no cgroup, signalling only the init process", r.Name, id)
	}
	args = append(args, id, strconv.Itoa(int(sig)))
	name := unix.SignalName(sig)
	if name == "" {
		name = strconv.Itoa(int(sig))
	}
	_, err := r.run(ctx, "kill", id, name, args...)
	return err
}

// Delete removes a stopped container's runtime state; force kills a running one first. Deleting a
// container the runtime does not know is an error wrapping ErrNotExist without force, and no error with it.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := r.run(ctx, "delete", id, "", append(args, id)...)
	if force && errors.Is(err, ErrNotExist) {
		return nil
	}
	return err
}

// State returns the runtime's view of a container; an unknown one is an error wrapping ErrNotExist.
func (r *Runtime) State(ctx context.Context, id string) (State, error) {
	out, err := r.run(ctx, "state", id, "", "state", id)
	if err != nil {
		return State{}, err
	}
	var s State
	if err := json.Unmarshal(out, &s); err != nil {
		return State{}, fmt.Errorf("%s state %s: parse %q: %w", r.Name, id, bytes.TrimSpace(out), err)
	}
	return s, nil
}

// Pause freezes every process of a container. It needs the container's cgroup: rootless there is
// none, so it fails with ErrNoCgroup without calling the runtime.
func (r *Runtime) Pause(ctx context.Context, id string) error {
	if !r.cgroups {
		return fmt.Errorf("%s pause %s: %w", r.Name, id, ErrNoCgroup)
	}
	_, err := r.run(ctx, "pause", id, "", "pause", id)
	return err
}

// Resume thaws a paused container; like Pause it needs a cgroup.
func (r *Runtime) Resume(ctx context.Context, id string) error {
	if !r.cgroups {
		return fmt.Errorf("%s resume %s: %w", r.Name, id, ErrNoCgroup)
	}
	_, err := r.run(ctx, "resume", id, "", "resume", id)
	return err
}

// cmdError is a failed runtime command: what ran, what the runtime said, and why it failed.
type cmdError struct {
	what string // "runc kill ID SIGTERM"
	msg  string // the runtime's message
	err  error  // a sentinel, or the exec error
}

func (e *cmdError) Error() string {
	switch {
	case e.msg == "":
		return e.what + ": " + e.err.Error()
	case isSentinel(e.err):
		return e.what + ": " + e.msg
	}
	return e.what + ": " + e.msg + ": " + e.err.Error()
}

func (e *cmdError) Unwrap() error { return e.err }

func isSentinel(err error) bool {
	return slices.Contains([]error{ErrNotExist, ErrNotRunning, ErrNoCgroup}, err)
}

// run runs one runtime command for container id and returns its stdout. action and detail name it in errors.
func (r *Runtime) run(ctx context.Context, action, id, detail string, args ...string) ([]byte, error) {
	what := strings.Join(slices.DeleteFunc([]string{r.Name, action, id, detail}, func(s string) bool { return s == "" }), " ")
	if err := validID(id); err != nil {
		return nil, &cmdError{what: what, err: err}
	}
	cmd := exec.CommandContext(ctx, r.Path, append(r.GlobalArgs(), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	msg := runtimeMessage(stderr.Bytes())
	return nil, &cmdError{what: what, msg: msg, err: r.classify(id, msg, err)}
}

// classify maps a failure to a sentinel where one applies. A container the runtime does not know has
// no directory under the state root (runc and crun alike), which is more reliable than their messages.
func (r *Runtime) classify(id, msg string, err error) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err // the runtime did not run, or was killed
	}
	if _, serr := os.Lstat(filepath.Join(r.StateRoot, id)); errors.Is(serr, os.ErrNotExist) || strings.Contains(msg, "does not exist") {
		return ErrNotExist
	}
	for _, s := range []string{"not running", "No such process"} {
		if strings.Contains(msg, s) {
			return ErrNotRunning
		}
	}
	return err
}

// validID rejects IDs that are not a single path element: the ID names a directory under the state root.
func validID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\x00") {
		return fmt.Errorf("invalid container ID %q", id)
	}
	return nil
}

// logrusText matches runc's text log lines: time="…" level=error msg="…".
var logrusText = regexp.MustCompile(`level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)`)

// runtimeMessage extracts the error from a runtime's stderr or JSON log: runc's and crun's JSON lines
// ({"level":"error","msg":…}), runc's logrus text lines, and plain lines such as crun's. Errors win over
// warnings; repeats are dropped (runc prints its fatal error twice); several are joined with "; ".
func runtimeMessage(out []byte) string {
	var errs, other []string
	add := func(list *[]string, m string) {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(*list, m) {
			*list = append(*list, m)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var j struct{ Level, Msg string }
		switch {
		case line == "":
		case strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &j) == nil:
			if j.Level == "error" || j.Level == "fatal" || j.Level == "panic" {
				add(&errs, j.Msg)
			} else if j.Level == "warning" || j.Level == "warn" {
				add(&other, j.Msg)
			}
		case logrusText.MatchString(line):
			m := logrusText.FindStringSubmatch(line)
			msg := m[2]
			if u, err := strconv.Unquote(msg); err == nil {
				msg = u
			}
			if m[1] == "error" || m[1] == "fatal" || m[1] == "panic" {
				add(&errs, msg)
			} else {
				add(&other, msg)
			}
		default:
			add(&errs, line)
		}
	}
	if len(errs) == 0 {
		errs = other
	}
	return strings.Join(errs, "; ")
}

// LogError returns the error messages in a runtime log written by CreateCommand or ExecCommand (see
// CreateLogFile and ExecLogFile), or "" if there are none or the file cannot be read. Use it for the
// error text when create or exec fails.
func LogError(logFile string) string {
	b, err := os.ReadFile(logFile)
	if err != nil {
		return ""
	}
	var errs []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var j struct{ Level, Msg string }
		if json.Unmarshal(sc.Bytes(), &j) == nil && (j.Level == "error" || j.Level == "fatal") && !slices.Contains(errs, j.Msg) {
			errs = append(errs, j.Msg)
		}
	}
	return strings.Join(errs, "; ")
}
