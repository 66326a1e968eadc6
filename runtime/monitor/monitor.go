package monitor

import (
	"bufio"
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
	// OOMFile, for a container with a memory cgroup of its own, receives Token before the exit file is
	// written when the OOM killer killed a process of the container; "" = not watched.
	OOMFile string
	// LogDriver is LogK8sFile (to LogPath), LogNone or LogJournald.
	LogDriver, LogPath string
	// LogMaxSize rotates the k8s-file log at that many bytes (to LogPath.1); 0 = never. LogTag is the
	// journald driver's CONTAINER_TAG and SYSLOG_IDENTIFIER ("" = Name).
	LogMaxSize int64
	LogTag     string
	// Terminal gives the container a pty received on the console socket; Stdin keeps a stdin pipe open
	// for attach clients (without it the container's stdin is /dev/null).
	Terminal, Stdin bool
	// Runtime is the argv that creates and starts the container and returns (`runtime run --detach`,
	// or `runtime create` to leave it created), the runtime's absolute path first.
	Runtime []string
	// StartCommand, with a Runtime that only creates, is the argv that starts the created container
	// (`runtime start ID`). The monitor runs it when the caller calls Process.Start, so that the start
	// and the delete after the exit are never run at the same time.
	StartCommand []string
	// HideCgroup2 runs Runtime in a mount namespace of its own where /sys/fs/cgroup/unified is hidden
	// (see oci.Runtime.HidesCgroup2).
	HideCgroup2 bool
	// DeleteCommand removes the runtime's state after the exit (`runtime delete`); nil: none.
	DeleteCommand []string
	// ExitCommand runs in place of the monitor after the exit, unless an attached client did the clean-up.
	ExitCommand []string
	// HealthCommand runs while the container runs (its health check): right after the start, then
	// HealthInterval after each run ended, one at a time; nil: none.
	HealthCommand  []string
	HealthInterval time.Duration
	// Timeout kills the container (SIGKILL) once it has run that long; 0 = never.
	Timeout time.Duration
	// PreserveFDs passes the caller's file descriptors 3 to 3+N-1 to the runtime's create, which gives
	// them to the container (Runtime must say --preserve-fds N).
	PreserveFDs  int
	preserveBase int // where the monitor finds them (after its own descriptors)
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

// Process identifies a started container: its init's PID and its monitor's. With a StartCommand it is
// only created until Start is called.
type Process struct {
	Pid, MonitorPid int
	start           *os.File      // write end of the start pipe; nil once used
	sync            *bufio.Reader // the rest of the sync pipe
	syncFile        *os.File
}

// Start tells the monitor of a created container to start it, and waits for the runtime's answer: a
// failed start is a *CreateError, and the monitor has killed the container.
func (p *Process) Start() error {
	if p.start == nil {
		return errors.New("start container: the monitor was not asked to wait for a start")
	}
	_, err := p.start.Write([]byte{'s'})
	p.start.Close()
	p.start = nil
	defer p.syncFile.Close()
	if err != nil {
		return fmt.Errorf("start container: tell the monitor: %w", err)
	}
	rest, err := io.ReadAll(p.sync)
	if err != nil {
		return fmt.Errorf("read from monitor: %w", err)
	}
	q, err := parseSync(string(rest))
	if err == nil && (q.Pid != p.Pid || q.MonitorPid != p.MonitorPid) {
		err = fmt.Errorf("monitor reported %q after creating PID %d", strings.TrimSpace(string(rest)), p.Pid)
	}
	return err
}

// Abort tells the monitor of a created container not to start it: the monitor kills it and records its
// exit. It does nothing after Start.
func (p *Process) Abort() {
	if p.start != nil {
		p.start.Close()
		p.start = nil
		p.syncFile.Close()
	}
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

// spawn starts the monitor with the sync pipe on fd 3, the attach listener on fd 4 and, with a start
// command, the start pipe on fd 5, and reads its report.
func spawn(cfg Config, listener *os.File) (Process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return Process{}, fmt.Errorf("start monitor: %w", err)
	}
	files := []*os.File{w, listener}
	var startR, startW *os.File
	if len(cfg.StartCommand) > 0 {
		if startR, startW, err = os.Pipe(); err != nil {
			r.Close()
			w.Close()
			return Process{}, fmt.Errorf("start monitor: %w", err)
		}
		files = append(files, startR)
	}
	if cfg.PreserveFDs > 0 {
		// Duplicates, closed once the monitor has them: the caller's own descriptors stay as they are.
		cfg.preserveBase = 3 + len(files)
		for i := 0; i < cfg.PreserveFDs; i++ {
			fd, err := unix.FcntlInt(uintptr(3+i), unix.F_DUPFD_CLOEXEC, 3)
			if err != nil {
				r.Close()
				w.Close()
				return Process{}, fmt.Errorf("start monitor: --preserve-fds: file descriptor %d: %w", 3+i, err)
			}
			f := os.NewFile(uintptr(fd), "preserved")
			defer f.Close()
			files = append(files, f)
		}
	}
	keep := false
	defer func() {
		if !keep {
			r.Close()
			if startW != nil {
				startW.Close()
			}
		}
	}()
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        cfg.args(),
		Env:         append(notify.Unset(os.Environ()), "_SKIFF_MONITOR=1"), // the runtime acts on a NOTIFY_SOCKET
		Dir:         cfg.Dir,
		ExtraFiles:  files,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	w.Close()
	if startR != nil {
		startR.Close()
	}
	if err != nil {
		return Process{}, fmt.Errorf("start monitor: %w", err)
	}
	// The first process forks the monitor and exits at once.
	if err := cmd.Wait(); err != nil {
		return Process{}, fmt.Errorf("start monitor: %w", err)
	}
	br := bufio.NewReader(r)
	head, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return Process{}, fmt.Errorf("read from monitor: %w", err)
	}
	if f := strings.Fields(head); startW != nil && len(f) == 3 && f[0] == "created" {
		p, err := parseSync("ok " + f[1] + " " + f[2] + "\n")
		if err != nil {
			return Process{}, err
		}
		p.start, p.sync, p.syncFile = startW, br, r
		keep = true
		return p, nil
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return Process{}, fmt.Errorf("read from monitor: %w", err)
	}
	return parseSync(head + string(rest))
}

func (cfg *Config) args() []string {
	args := []string{argv0,
		"id=" + cfg.ID, "name=" + cfg.Name, "pid-file=" + cfg.PIDFile, "exit-file=" + cfg.ExitFile,
		"token=" + cfg.Token, "log-driver=" + cfg.LogDriver, "log-path=" + cfg.LogPath,
		"terminal=" + boolArg(cfg.Terminal), "stdin=" + boolArg(cfg.Stdin), "sync-fd=3", "attach-fd=4",
		"attach-wait=" + boolArg(cfg.Attach), "hide-cgroup2=" + boolArg(cfg.HideCgroup2)}
	if cfg.StopOnTerm != nil {
		args = append(args, "stop-on-term="+strconv.Itoa(int(cfg.StopOnTerm.Seconds())))
	}
	if cfg.PreserveFDs > 0 {
		args = append(args, "preserve-base="+strconv.Itoa(cfg.preserveBase), "preserve-n="+strconv.Itoa(cfg.PreserveFDs))
	}
	if cfg.Timeout > 0 {
		args = append(args, "timeout-ms="+strconv.FormatInt(cfg.Timeout.Milliseconds(), 10))
	}
	if cfg.LogMaxSize > 0 {
		args = append(args, "log-max-size="+strconv.FormatInt(cfg.LogMaxSize, 10))
	}
	if cfg.LogTag != "" {
		args = append(args, "log-tag="+cfg.LogTag)
	}
	if cfg.OOMFile != "" {
		args = append(args, "oom-file="+cfg.OOMFile)
	}
	for _, a := range cfg.Runtime {
		args = append(args, "runtime="+a)
	}
	if len(cfg.StartCommand) > 0 {
		args = append(args, "start-fd=5")
	}
	for _, a := range cfg.StartCommand {
		args = append(args, "start-cmd="+a)
	}
	for _, a := range cfg.DeleteCommand {
		args = append(args, "delete-cmd="+a)
	}
	for _, a := range cfg.ExitCommand {
		args = append(args, "exit-cmd="+a)
	}
	if len(cfg.HealthCommand) > 0 && cfg.HealthInterval > 0 {
		args = append(args, "health-interval-ms="+strconv.FormatInt(cfg.HealthInterval.Milliseconds(), 10))
		for _, a := range cfg.HealthCommand {
			args = append(args, "health-cmd="+a)
		}
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
