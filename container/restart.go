package container

import (
	"context"
	"time"
)

// Restart stops a running container (as Stop does, with timeout nil meaning its stop timeout) and
// starts it again; a stopped container is just started.
func (e *Engine) Restart(ctx context.Context, nameOrID string, timeout *uint) (*Container, error) {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	t := time.Duration(c.Config.StopTimeout) * time.Second
	if timeout != nil {
		t = time.Duration(*timeout) * time.Second
	}
	if err := e.stopLocked(ctx, c, t); err != nil {
		return c, err
	}
	_, err = e.launch(ctx, c, false)
	return c, err
}
