package container

import (
	"context"
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
