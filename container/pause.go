package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/skiffproject/skiff/runtime/oci"
)

// Pause freezes every process of a running container through the runtime (the cgroup freezer).
// Without a cgroup, as for a rootless container on this kind of host, it fails with oci.ErrNoCgroup.
func (e *Engine) Pause(ctx context.Context, nameOrID string) (*Container, error) {
	return e.setPaused(ctx, nameOrID, true)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ctx context.Context, nameOrID string) (*Container, error) {
	return e.setPaused(ctx, nameOrID, false)
}

func (e *Engine) setPaused(ctx context.Context, nameOrID string, pause bool) (*Container, error) {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	verb, want, next := "pause", StatusRunning, StatusPaused
	if !pause {
		verb, want, next = "unpause", StatusPaused, StatusRunning
	}
	if c.State.Status != want {
		return c, fmt.Errorf("%s container %s: it is %s, not %s", verb, c.Name(), c.State.Status, want)
	}
	rt, err := e.runtimeFor(c)
	if err != nil {
		return c, err
	}
	if pause {
		err = rt.Pause(ctx, c.ID)
	} else {
		err = rt.Resume(ctx, c.ID)
	}
	if err != nil {
		if errors.Is(err, oci.ErrNoCgroup) {
			return c, fmt.Errorf("%s container %s: %w (hint: a user session with systemd and cgroup v2 delegation provides one)", verb, c.Name(), err)
		}
		return c, fmt.Errorf("%s container %s: %w", verb, c.Name(), err)
	}
	c.State.Status = next
	if err := e.save(c); err != nil {
		return c, err
	}
	e.event(c, verb)
	return c, nil
}
