package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/containers/storage"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	process "github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/oci"
)

// Exit codes recorded when the monitor could not record one.
const (
	exitUnknown = 255
)

// observe corrects c.State, in memory only, for what the record cannot know: that the monitor recorded
// the exit of the current run, or that the container's processes are gone (the monitor was killed, or
// the machine rebooted). Readers call it without the lock.
func (e *Engine) observe(c *Container) {
	s := &c.State
	if s.Token == "" || s.Status == StatusExited {
		return
	}
	if ex, err := monitor.ReadExitFile(e.exitPath(c.ID)); err == nil && ex.Token == s.Token {
		// The monitor recorded the exit and deletes the runtime's state itself.
		s.Status, s.ExitCode, s.FinishedAt, s.Pid, s.RuntimeCreated = StatusExited, ex.Code, ex.Finished, 0, false
		if b, err := os.ReadFile(e.oomPath(c.ID)); err == nil && strings.TrimSpace(string(b)) == s.Token {
			s.OOMKilled = true
		}
		return
	}
	switch {
	case s.BootID != "" && s.BootID != bootID():
		s.Error = "the machine rebooted while the container ran"
	case s.Pid == 0 && s.MonitorPid == 0:
		// Started by a command that was killed before it recorded the PID: the container's fate is
		// the runtime's to tell (repair asks it); show it as created.
		return
	case alive(s.Pid, s.PidStart) || alive(s.MonitorPid, s.MonStart):
		return
	default:
		s.Error = "the container's monitor died without recording an exit code"
	}
	s.Status, s.ExitCode, s.Pid = StatusExited, exitUnknown, 0
	if s.FinishedAt.IsZero() || s.FinishedAt.Before(s.StartedAt) {
		s.FinishedAt = time.Now()
	}
}

// repair brings the record of c, whose lock the caller holds, in line with reality and undoes what a
// killed command or an exited container left behind: a runtime state, a mounted rootfs. It saves the
// record if anything changed.
func (e *Engine) repair(ctx context.Context, c *Container) error {
	if c.Incomplete {
		return nil
	}
	before := c.State
	e.observe(c)
	s := &c.State
	stale := s.Status == StatusExited ||
		(s.Status == StatusCreated && s.Pid == 0 && s.MonitorPid == 0 && (s.Mounted || s.RuntimeCreated))
	if stale && (s.Mounted || s.RuntimeCreated) {
		if err := e.cleanupRun(ctx, c); err != nil {
			return err
		}
	}
	if s.Status == StatusCreated && s.Token != "" && !s.Mounted && !s.RuntimeCreated {
		s.Token = "" // an abandoned start: nothing is left of it
	}
	if before != c.State {
		return e.save(c)
	}
	return nil
}

// cleanupRun stops the container's network helpers, removes the runtime's state of the container and
// unmounts its rootfs, in that order; the caller saves the record.
func (e *Engine) cleanupRun(ctx context.Context, c *Container) error {
	e.teardownNetwork(c)
	if c.State.RuntimeCreated {
		rt, err := e.runtimeFor(c)
		if err != nil {
			return err
		}
		if err := rt.Delete(ctx, c.ID, true); err != nil && !errors.Is(err, oci.ErrNotExist) {
			return fmt.Errorf("clean up container %s: %w", c.Name(), err)
		}
		c.State.RuntimeCreated = false
	}
	if err := e.releaseVolumes(c); err != nil {
		return err
	}
	if c.State.Mounted {
		if _, err := e.store.Unmount(c.ID, true); err != nil && !errors.Is(err, storage.ErrLayerNotMounted) &&
			!errors.Is(err, storage.ErrContainerUnknown) && !errors.Is(err, storage.ErrLayerUnknown) {
			return fmt.Errorf("unmount container %s: %w", c.Name(), err)
		}
		c.State.Mounted = false
	}
	c.State.Pid, c.State.MonitorPid, c.State.PidStart, c.State.MonStart = 0, 0, 0, 0
	return nil
}

// runtimeFor returns the OCI runtime of c: the one it was created with, else the engine's. A run with a
// cgroup of its own needs a runtime that manages it: crun, where it runs with the cgroup2 hierarchy
// hidden (see oci.Runtime.HidesCgroup2), manages none, and runc runs such a container instead.
func (e *Engine) runtimeFor(c *Container) (*oci.Runtime, error) {
	name := c.Config.Runtime
	if name == "" {
		name = e.opts.Runtime
	}
	rt, err := e.runtimeByName(name)
	if err != nil || c.State.CgroupPath == "" {
		return rt, err
	}
	if rt.HidesCgroup2() {
		if name != "" {
			logrus.Warnf("container %s: %s cannot manage its cgroup on this host (hybrid cgroups): runc runs it", c.Name(), rt.Name)
		}
		if rt, err = e.runtimeByName("runc"); err != nil {
			return nil, fmt.Errorf("container %s has a cgroup, which crun cannot manage on this host: %w", c.Name(), err)
		}
	}
	return rt.WithCgroup(), nil
}

// runtimeByName returns the runtime of that name ("" for the default), found once per engine.
func (e *Engine) runtimeByName(name string) (*oci.Runtime, error) {
	if rt, ok := e.rts[name]; ok {
		return rt, nil
	}
	rt, err := oci.Find(name, "")
	if err != nil {
		return nil, err
	}
	if e.rts == nil {
		e.rts = map[string]*oci.Runtime{}
	}
	e.rts[name] = rt
	return rt, nil
}

// startTime returns the start time of pid (clock ticks after boot, /proc/PID/stat field 22), or 0.
func startTime(pid int) uint64 { return process.IdentityOf(pid).Start }

// alive reports whether pid is still the process that started at start.
func alive(pid int, start uint64) bool { return process.Identity{PID: pid, Start: start}.Alive() }

var bootIDOnce = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		logrus.Debugf("read boot ID: %v", err)
		return ""
	}
	return strings.TrimSpace(string(b))
})

func bootID() string { return bootIDOnce() }

// signalProcess sends sig to pid if it still is the process that started at start, through a pidfd so
// that a PID recycled between the check and the kill is never hit.
func signalProcess(pid int, start uint64, sig unix.Signal) error {
	err := process.Identity{PID: pid, Start: start}.Signal(sig)
	if errors.Is(err, process.ErrGone) {
		return ErrNotRunning
	}
	return err
}

// waitExit waits until the monitor has recorded the exit of the current run of c, or timeout passes
// (a negative timeout waits forever). It returns whether the container exited.
func (e *Engine) waitExit(ctx context.Context, c *Container, timeout time.Duration) (bool, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	var pidfd = -1
	if f, _ := (process.Identity{PID: c.State.Pid, Start: c.State.PidStart}).Open(); f != nil {
		defer f.Close()
		pidfd = int(f.Fd())
	}
	for {
		e.observe(c)
		if c.State.Status == StatusExited {
			return true, nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		wait := 20 * time.Millisecond
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return false, nil
			}
			wait = min(wait, left)
		}
		if pidfd >= 0 {
			// Sleep on the process itself while it lives; then poll for the exit file.
			fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
			ms := 1000
			if !deadline.IsZero() {
				ms = int(min(time.Until(deadline), time.Second) / time.Millisecond)
			}
			if n, _ := unix.Poll(fds, max(ms, 1)); n > 0 {
				pidfd = -1 // the process has exited; the deferred Close closes the pidfd, once
			}
			continue
		}
		time.Sleep(wait)
	}
}
