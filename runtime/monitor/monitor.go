// Package monitor starts and talks to skiff's per-container monitor, the process that holds a container's
// stdio and outlives the command that started it.
//
// The monitor is written in C (monitor.c) and runs from a constructor of this package when the skiff
// binary is executed with _SKIFF_MONITOR set, before the Go runtime starts; it never returns to Go.
// Importing this package links it in. Everything that is policy (which runtime, which arguments, what
// the exit command does) is decided here, in Go; the monitor only moves bytes and waits.
//
// Contract between the two halves:
//   - the monitor's working directory is the container's run directory, which is also the OCI bundle;
//     the attach socket "attach" (SOCK_SEQPACKET) is bound there by Start and passed as fd 4, so that
//     a caller can connect before the container starts; "console.sock" is bound there while a
//     terminal is being set up;
//   - the runtime gets the console socket as /proc/self/cwd/console.sock (short whatever the run
//     directory's length) and writes the container's PID to Config.PIDFile;
//   - on fd 3 the monitor reports "ok PID MONITORPID\n" once the runtime command succeeded, or
//     "error STATUS\n" followed by the runtime's stderr;
//   - when the container's init exits it writes "TOKEN CODE UNIXNANOS\n" to Config.ExitFile (through a
//     rename), sends an exit frame to attach clients, runs Config.DeleteCommand, and runs
//     Config.ExitCommand unless a client claimed the clean-up and reported it done.
package monitor

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/systemd/notify"
)

// ConsoleSocket is the console socket path to give the runtime: it resolves in the monitor's (and so the
// runtime's) working directory.
const ConsoleSocket = "/proc/self/cwd/console.sock"

// Log drivers the monitor implements.
const (
	LogK8sFile  = "k8s-file"
	LogNone     = "none"
	LogJournald = "journald"
)

// JournalSocket is where journald listens for native-protocol messages.
const JournalSocket = "/run/systemd/journal/socket"

// Config describes the monitor of one container run.
type Config struct {
	ID, Name string
	// Dir is the run directory: the monitor's working directory, the bundle and the sockets' home.
	Dir string
	// PIDFile is where the runtime writes the container's PID (as given to `runtime create --pid-file`).
	PIDFile string
	// ExitFile receives the exit code; Token is written first in it, telling this run from others.
	ExitFile, Token string
	// LogDriver is LogK8sFile (to LogPath), LogNone or LogJournald.
	LogDriver, LogPath string
	// Terminal gives the container a pty received on the console socket; Stdin keeps a stdin pipe open
	// for attach clients (without it the container's stdin is /dev/null).
	Terminal, Stdin bool
	// Runtime is the argv that creates and starts the container and returns (`runtime run --detach`,
	// or `runtime create` to leave it created), the runtime's absolute path first.
	Runtime []string
	// DeleteCommand removes the runtime's state after the exit (`runtime delete`); nil: none.
	DeleteCommand []string
	// ExitCommand runs in place of the monitor after the exit, unless an attached client did the clean-up.
	ExitCommand []string
	// Attach makes Start return a connection to the attach socket, made before the container starts
	// and already holding the clean-up claim: the caller misses no output and cleans up after the exit
	// (reporting it with Conn.Done).
	Attach bool
	// StopOnTerm makes the monitor survive SIGTERM and stop the container instead: SIGTERM to it, SIGKILL
	// after this grace period, then the usual clean-up. Nil: SIGTERM ends the monitor (the default).
	// A batch scheduler that ends a job signals every process of the job: the container, in a cgroup of
	// its own, would otherwise outlive it, and nothing would clean up.
	StopOnTerm *time.Duration
}

// Process identifies a started container: its init's PID and its monitor's.
type Process struct {
	Pid, MonitorPid int
}

// CreateError is a failed `runtime create`: its exit status and its error output.
type CreateError struct {
	Status int
	Stderr string
}

func (e *CreateError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", e.Status)
	}
	return msg
}

// Start runs the monitor for cfg and returns once the runtime command has finished: with the
// container's PID (and, with cfg.Attach, a connection to the monitor), or with a *CreateError carrying
// the runtime's own message.
func Start(cfg Config) (Process, *Conn, error) {
	if cfg.LogDriver == LogJournald {
		if _, err := os.Stat(JournalSocket); err != nil {
			return Process{}, nil, fmt.Errorf("log driver journald: %s is missing (is systemd-journald running? use --log-driver k8s-file)", JournalSocket)
		}
	}
	listener, err := listenAttach(cfg.Dir)
	if err != nil {
		return Process{}, nil, err
	}
	defer listener.Close()
	var conn *Conn
	if cfg.Attach {
		// Queued in the listener's backlog until the monitor takes it, before the container starts.
		if conn, err = Dial(cfg.Dir); err == nil {
			err = conn.Claim()
		}
		if err != nil {
			if conn != nil {
				conn.Close()
			}
			return Process{}, nil, err
		}
	}
	p, err := spawn(cfg, listener)
	if err != nil && conn != nil {
		conn.Close()
		conn = nil
	}
	return p, conn, err
}

// listenAttach binds the attach socket in dir, reached through /proc/self/fd so that the path's length
// does not matter.
func listenAttach(dir string) (*os.File, error) {
	_ = os.Remove(filepath.Join(dir, "attach"))
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("attach socket: open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Net: "unixpacket", Name: filepath.Join("/proc/self/fd", strconv.Itoa(fd), "attach")})
	if err != nil {
		return nil, fmt.Errorf("attach socket in %s: %w", dir, err)
	}
	l.SetUnlinkOnClose(false)
	f, err := l.File()
	l.Close()
	if err != nil {
		return nil, fmt.Errorf("attach socket in %s: %w", dir, err)
	}
	return f, nil
}

// spawn starts the monitor with the sync pipe on fd 3 and the attach listener on fd 4, and reads its
// report.
func spawn(cfg Config, listener *os.File) (Process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return Process{}, fmt.Errorf("start monitor: %w", err)
	}
	defer r.Close()
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        cfg.args(),
		Env:         append(notify.Unset(os.Environ()), "_SKIFF_MONITOR=1"), // the runtime acts on a NOTIFY_SOCKET
		Dir:         cfg.Dir,
		ExtraFiles:  []*os.File{w, listener},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return Process{}, fmt.Errorf("start monitor: %w", err)
	}
	// The first process forks the monitor and exits at once.
	if err := cmd.Wait(); err != nil {
		return Process{}, fmt.Errorf("start monitor: %w", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return Process{}, fmt.Errorf("read from monitor: %w", err)
	}
	return parseSync(string(out))
}

func (cfg *Config) args() []string {
	args := []string{argv0,
		"id=" + cfg.ID, "name=" + cfg.Name, "pid-file=" + cfg.PIDFile, "exit-file=" + cfg.ExitFile,
		"token=" + cfg.Token, "log-driver=" + cfg.LogDriver, "log-path=" + cfg.LogPath,
		"terminal=" + boolArg(cfg.Terminal), "stdin=" + boolArg(cfg.Stdin), "sync-fd=3", "attach-fd=4",
		"attach-wait=" + boolArg(cfg.Attach)}
	if cfg.StopOnTerm != nil {
		args = append(args, "stop-on-term="+strconv.Itoa(int(cfg.StopOnTerm.Seconds())))
	}
	for _, a := range cfg.Runtime {
		args = append(args, "runtime="+a)
	}
	for _, a := range cfg.DeleteCommand {
		args = append(args, "delete-cmd="+a)
	}
	for _, a := range cfg.ExitCommand {
		args = append(args, "exit-cmd="+a)
	}
	return args
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// parseSync parses what the monitor wrote on the sync pipe.
func parseSync(s string) (Process, error) {
	head, rest, _ := strings.Cut(s, "\n")
	f := strings.Fields(head)
	switch {
	case len(f) == 3 && f[0] == "ok":
		pid, err1 := strconv.Atoi(f[1])
		mon, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			return Process{}, fmt.Errorf("monitor reported %q", head)
		}
		return Process{Pid: pid, MonitorPid: mon}, nil
	case len(f) == 2 && f[0] == "error":
		st, _ := strconv.Atoi(f[1])
		return Process{}, &CreateError{Status: st, Stderr: rest}
	case s == "":
		return Process{}, errors.New("monitor exited without reporting the container's PID")
	}
	return Process{}, fmt.Errorf("monitor reported %q", strings.TrimSpace(s))
}

// Exit is what the monitor recorded when a container's init exited.
type Exit struct {
	Token    string
	Code     int
	Finished time.Time
}

// ReadExitFile reads an exit file. A missing file returns an error wrapping fs.ErrNotExist.
func ReadExitFile(path string) (Exit, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Exit{}, err
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return Exit{}, fmt.Errorf("parse exit file %s: want TOKEN CODE TIME, got %q", path, b)
	}
	code, err1 := strconv.Atoi(f[1])
	ns, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return Exit{}, fmt.Errorf("parse exit file %s: %q", path, b)
	}
	return Exit{Token: f[0], Code: code, Finished: time.Unix(0, ns)}, nil
}
