package api

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// execTTY is the pseudo terminal an exec process with a TTY runs on: the OCI runtime (in foreground
// mode) takes the slave as its terminal and relays between it and the process's own terminal.
type execTTY struct {
	master, slave *os.File
}

func openExecTTY() (*execTTY, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("exec: open a pseudo terminal: %w", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, fmt.Errorf("exec: unlock the pseudo terminal: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("exec: name the pseudo terminal: %w", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("exec: open /dev/pts/%d: %w", n, err)
	}
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("exec: raw mode on /dev/pts/%d: %w", n, err)
	}
	t := &execTTY{master: m, slave: s}
	_ = t.resize(24, 80)
	return t, nil
}

// resize sets the terminal's size and tells the runtime, which copies the size of its terminal to the
// process's on SIGWINCH (it is no session leader, so the kernel does not signal it).
func (t *execTTY) resize(rows, cols uint16) error {
	if err := unix.IoctlSetWinsize(int(t.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		return fmt.Errorf("exec: resize the terminal: %w", err)
	}
	for _, pid := range t.holders() {
		_ = unix.Kill(pid, unix.SIGWINCH)
	}
	return nil
}

// holders returns this process's children that have the slave as standard input: the runtime.
func (t *execTTY) holders() []int {
	name, err := os.Readlink(filepath.Join("/proc/self/fd", strconv.Itoa(int(t.slave.Fd()))))
	if err != nil {
		return nil
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	var pids []int
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, p := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(p)
			if err != nil {
				continue
			}
			if in, err := os.Readlink("/proc/" + p + "/fd/0"); err == nil && in == name {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func (t *execTTY) close() {
	t.master.Close()
	t.slave.Close()
}
