package container

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Wait blocks until the container has exited and returns its exit code. A container that was never
// started is waited for until it runs and exits.
func (e *Engine) Wait(ctx context.Context, nameOrID string) (int, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return 0, err
	}
	for {
		if c.State.Status == StatusExited {
			return c.State.ExitCode, nil
		}
		if c.State.Pid > 0 {
			if _, err := e.waitExit(ctx, c, time.Second); err != nil {
				return 0, err
			}
		} else {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		if c.State.Status == StatusExited {
			return c.State.ExitCode, nil
		}
		// Re-read: the container may have been started, restarted or removed.
		if c, err = e.Get(c.ID); err != nil {
			return 0, err
		}
	}
}

// ParseWaitConditions checks wait --condition values (Podman's names) and returns the states they mean;
// none means exited.
func ParseWaitConditions(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		switch v {
		case "configured", "created":
			out = append(out, StatusCreated)
		case "running":
			out = append(out, StatusRunning)
		case "paused":
			out = append(out, StatusPaused)
		case "stopping":
			out = append(out, StatusStopping)
		case "exited", "stopped":
			out = append(out, StatusExited)
		case "healthy", "unhealthy":
			return nil, fmt.Errorf("wait --condition %s: skiff has no health checks: want created, running, paused, stopping or exited", v)
		default:
			return nil, fmt.Errorf("wait --condition %q: want created, running, paused, stopping or exited", v)
		}
	}
	return out, nil
}

// WaitFor waits until the container is in one of states and returns its exit code when that state is
// exited, else -1 (as Podman prints). No states means exited.
func (e *Engine) WaitFor(ctx context.Context, nameOrID string, states []string, interval time.Duration) (int, error) {
	if len(states) == 0 || (len(states) == 1 && states[0] == StatusExited) {
		return e.Wait(ctx, nameOrID)
	}
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	for {
		c, err := e.Get(nameOrID)
		if err != nil {
			return 0, err
		}
		if slices.Contains(states, c.State.Status) {
			if c.State.Status == StatusExited {
				return c.State.ExitCode, nil
			}
			return -1, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(interval):
		}
	}
}
