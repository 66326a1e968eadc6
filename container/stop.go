package container

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// StopOptions control Stop.
type StopOptions struct {
	// Timeout is how long to wait after the stop signal before SIGKILL; nil uses the container's
	// --stop-timeout (default 10 seconds).
	Timeout *uint
}

// killWait bounds the wait for an exit after SIGKILL.
const killWait = 30 * time.Second

// Stop sends the container its stop signal, waits for it to exit, sends SIGKILL after the timeout, and
// cleans up. Stopping a container that does not run is not an error.
func (e *Engine) Stop(ctx context.Context, nameOrID string, o StopOptions) (*Container, error) {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	e.markStopped(c) // also when it exited and waits for its restart policy
	timeout := time.Duration(c.Config.StopTimeout) * time.Second
	if o.Timeout != nil {
		timeout = time.Duration(*o.Timeout) * time.Second
	}
	running := c.State.Status == StatusRunning || c.State.Status == StatusPaused || c.State.Status == StatusStopping
	if err := e.stopLocked(ctx, c, timeout); err != nil {
		return c, err
	}
	if running {
		e.event(c, "stop")
	}
	return c, nil
}

// stopLocked stops c, whose lock the caller holds.
func (e *Engine) stopLocked(ctx context.Context, c *Container, timeout time.Duration) error {
	if c.State.Status == StatusCreated && c.State.RuntimeCreated {
		// Created by a start that was interrupted: the runtime holds an init that never ran.
		if err := e.cleanupRun(ctx, c); err != nil {
			return err
		}
		return e.save(c)
	}
	if c.State.Status != StatusRunning && c.State.Status != StatusPaused && c.State.Status != StatusStopping {
		return nil
	}
	sig, err := ParseSignal(c.Config.StopSignal)
	if err != nil {
		sig = unix.SIGTERM
	}
	if c.State.Status == StatusPaused {
		// A frozen process cannot act on a signal: thaw it first.
		if rt, err := e.runtimeFor(c); err == nil {
			_ = rt.Resume(ctx, c.ID)
		}
	}
	c.State.Status = StatusStopping
	if err := e.save(c); err != nil {
		return err
	}
	if timeout > 0 {
		if err := signalProcess(c.State.Pid, c.State.PidStart, sig); err != nil && !errors.Is(err, ErrNotRunning) {
			return fmt.Errorf("stop container %s: %w", c.Name(), err)
		}
		exited, err := e.waitExit(ctx, c, timeout)
		if err != nil {
			return err
		}
		if exited {
			return e.repair(ctx, c)
		}
	}
	if err := signalProcess(c.State.Pid, c.State.PidStart, unix.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
		return fmt.Errorf("stop container %s: %w", c.Name(), err)
	}
	exited, err := e.waitExit(ctx, c, killWait)
	if err != nil {
		return err
	}
	if !exited {
		return fmt.Errorf("stop container %s: it did not exit %s after SIGKILL", c.Name(), killWait)
	}
	return e.repair(ctx, c)
}

// Kill sends sig to the container's init. The container must be running.
func (e *Engine) Kill(ctx context.Context, nameOrID string, sig unix.Signal) (*Container, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	if c.State.Status != StatusRunning && c.State.Status != StatusPaused && c.State.Status != StatusStopping {
		return c, fmt.Errorf("can only kill running containers. %s is in state %s: %w", shortID(c.ID), c.State.Status, ErrNotRunning)
	}
	e.markStopped(c) // as Docker and Podman do, whatever the signal
	if err := signalProcess(c.State.Pid, c.State.PidStart, sig); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return c, fmt.Errorf("kill container %s: %w", c.Name(), err)
		}
		return c, err
	}
	e.event(c, "kill", "signal", SignalName(sig))
	return c, nil
}
