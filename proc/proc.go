package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrGone: the recorded process has exited, or its PID now belongs to another process.
var ErrGone = errors.New("process has exited")

// Identity is one process: its PID and its start time (field 22 of /proc/PID/stat, clock ticks after
// boot), which together never name two processes between reboots.
type Identity struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// IdentityOf returns the identity of the running process pid; its Start is 0 (never alive) when pid is
// gone or dead.
func IdentityOf(pid int) Identity { return Identity{PID: pid, Start: LiveStartTime(pid)} }

var self = sync.OnceValue(func() Identity { return IdentityOf(os.Getpid()) })

// Self returns the identity of this process.
func Self() Identity { return self() }

// Alive reports whether the process still runs: its PID is in use, by a process that started at Start,
// and that is not dead waiting to be reaped.
func (id Identity) Alive() bool {
	return id.PID > 0 && id.Start != 0 && LiveStartTime(id.PID) == id.Start
}

// Open returns a pidfd for the process, or nil when it has exited or its PID now belongs to another
// process. The pidfd pins the process: the start time is checked after it was opened.
func (id Identity) Open() (*os.File, error) {
	if id.PID <= 0 || id.Start == 0 {
		return nil, nil
	}
	fd, err := unix.PidfdOpen(id.PID, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pidfd_open %d: %w", id.PID, err)
	}
	f := os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(id.PID))
	if LiveStartTime(id.PID) != id.Start {
		f.Close()
		return nil, nil
	}
	return f, nil
}

// Signal sends sig to the process if it is still the recorded one; ErrGone when it is not.
func (id Identity) Signal(sig unix.Signal) error {
	f, err := id.Open()
	if err != nil {
		return fmt.Errorf("signal process %d: %w", id.PID, err)
	}
	if f == nil {
		return fmt.Errorf("signal process %d: %w", id.PID, ErrGone)
	}
	defer f.Close()
	if err := unix.PidfdSendSignal(int(f.Fd()), sig, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("signal process %d: %w", id.PID, ErrGone)
		}
		return fmt.Errorf("send %s to process %d: %w", unix.SignalName(sig), id.PID, err)
	}
	return nil
}

// Record identifies one helper process by name, for messages, and identity.
type Record struct {
	// Name is what the helper is (slirp4netns, pasta, netkeeper), for messages.
	Name string `json:"name"`
	Identity
}

// Identify records the live process pid as name.
func Identify(name string, pid int) (Record, error) {
	st, err := StartTime(pid)
	if err != nil {
		return Record{}, fmt.Errorf("%s (pid %d): %w", name, pid, err)
	}
	return Record{Name: name, Identity: Identity{PID: pid, Start: st}}, nil
}

// Stat reads /proc/PID/stat: the command name (field 2) and the fields after it, so that fields[0] is
// field 3 (state) and fields[n] is field n+3. The name may hold spaces and parentheses: the fields are
// counted after the last ')'.
func Stat(pid int) (comm string, fields []string, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", nil, err
	}
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return "", nil, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return s[i+1 : j], strings.Fields(s[j+1:]), nil
}

// StartTime reads the start time of pid (field 22 of /proc/PID/stat: clock ticks after boot).
func StartTime(pid int) (uint64, error) {
	_, f, err := Stat(pid)
	if err != nil {
		return 0, err
	}
	if len(f) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// LiveStartTime is the start time of pid while it runs: 0 when it is gone, or dead and waiting to be
// reaped (state Z or X).
func LiveStartTime(pid int) uint64 {
	if pid <= 0 {
		return 0
	}
	_, f, err := Stat(pid)
	if err != nil || len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

// ParentPID reads the parent of pid (field 4 of /proc/PID/stat), or 0.
func ParentPID(pid int) int {
	_, f, err := Stat(pid)
	if err != nil || len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// Open returns a pidfd for the recorded process, or nil when it has exited or its PID now belongs to
// another process.
func (r Record) Open() (*os.File, error) {
	f, err := r.Identity.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	return f, nil
}

// Stop sends SIGTERM to the recorded process, waits up to grace for it to exit and then kills it. A
// process that is gone already is not an error.
func (r Record) Stop(grace time.Duration) error {
	f, err := r.Open()
	if err != nil || f == nil {
		return err
	}
	defer f.Close()
	if err := unix.PidfdSendSignal(int(f.Fd()), unix.SIGTERM, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("stop %s (pid %d): %w", r.Name, r.PID, err)
	}
	if Exited(f, grace) {
		return nil
	}
	if err := unix.PidfdSendSignal(int(f.Fd()), unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("kill %s (pid %d): %w", r.Name, r.PID, err)
	}
	if !Exited(f, 2*time.Second) {
		return fmt.Errorf("kill %s (pid %d): still running", r.Name, r.PID)
	}
	return nil
}

// Exited waits up to timeout for the process behind pidfd to exit and reports whether it did. A pidfd
// becomes readable when its process exits, reaped or not.
func Exited(pidfd *os.File, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms < 0 {
			ms = 0
		}
		fds := []unix.PollFd{{Fd: int32(pidfd.Fd()), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0
	}
}

// OpenPID returns a pidfd for pid, with a message naming what the process is when that fails.
func OpenPID(what string, pid int) (*os.File, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil, fmt.Errorf("%s (pid %d) has exited", what, pid)
	}
	if err != nil {
		return nil, fmt.Errorf("pidfd_open %s (pid %d): %w", what, pid, err)
	}
	return os.NewFile(uintptr(fd), "pidfd:"+what), nil
}
