package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/trace"
)

// RunOptions control Run.
type RunOptions struct {
	Create CreateOptions
	// Detach returns once the container runs (-d); otherwise Run streams until it exits.
	Detach bool
	Attach AttachOptions
	// PreserveFDs passes the caller's file descriptors 3 to 3+N-1 to the container's process.
	PreserveFDs int
}

// Run creates and starts a container. Detached, it returns the container once it runs. Attached, it
// streams until the container exits and returns its exit code; the container is then cleaned up here
// (and removed with AutoRemove) rather than by the monitor's clean-up command, which saves a process.
// A container that failed to start is removed again when AutoRemove is set, or when its network could
// not be connected; Run then returns no container.
func (e *Engine) Run(ctx context.Context, o RunOptions) (*Container, int, error) {
	var term *batchTerm
	if !o.Detach {
		term = catchBatchTerm() // batch.go
		defer term.stop()
	}
	c, l, err := e.create(ctx, o.Create)
	if err != nil {
		return nil, 0, err
	}
	c.preserveFDs = o.PreserveFDs
	trace.Mark("create: image, layer, record")
	conn, err := e.launch(ctx, c, !o.Detach)
	if err != nil {
		// A network that could not be connected (a taken port) leaves nothing behind, as in Podman.
		// A container removed here is not returned: the caller undoes what it made for it (a new pod).
		if c.Config.AutoRemove || errors.Is(err, netwire.ErrSetup) {
			rmErr := e.removeLocked(context.WithoutCancel(ctx), c, RemoveOptions{Force: true, Volumes: true})
			l.unlock()
			if rmErr == nil {
				return nil, 0, err
			}
			return c, 0, errors.Join(err, rmErr)
		}
		l.unlock()
		return c, 0, err
	}
	l.unlock()
	if o.Detach {
		return c, 0, nil
	}
	defer conn.Close()
	defer term.forward(c)()
	if !c.Config.Interactive {
		o.Attach.Streams.In = nil
	}
	code, err := e.stream(ctx, c, conn, o.Attach)
	if errors.Is(err, ErrDetached) {
		return c, 0, err
	}
	if err != nil {
		return c, 0, err
	}
	trace.Mark("container runs, attached")
	if err := e.cleanupAfter(context.WithoutCancel(ctx), c.ID, c.State.Token); err != nil {
		return c, code, fmt.Errorf("clean up container %s: %w", c.Name(), err)
	}
	trace.Mark("clean-up (and --rm)")
	_ = conn.Done()
	return c, code, nil
}

// StartOptions control Start.
type StartOptions struct {
	// Attach streams the container's output until it exits (-a); Interactive also its stdin (-i).
	Attach      bool
	Interactive bool
	AttachOpts  AttachOptions
}

// Start starts a created or exited container. Attached, it streams until the container exits and
// returns its exit code. Starting a running container is not an error (Podman's behaviour).
func (e *Engine) Start(ctx context.Context, nameOrID string, o StartOptions) (*Container, int, error) {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return nil, 0, err
	}
	if c.State.Status == StatusRunning {
		l.unlock()
		return c, 0, nil
	}
	conn, err := e.launch(ctx, c, o.Attach)
	l.unlock()
	if err != nil {
		return c, 0, err
	}
	if !o.Attach {
		return c, 0, nil
	}
	defer conn.Close()
	if !o.Interactive || !c.Config.Interactive {
		o.AttachOpts.Streams.In = nil
	}
	code, err := e.stream(ctx, c, conn, o.AttachOpts)
	if err != nil {
		return c, 0, err
	}
	if err := e.cleanupAfter(context.WithoutCancel(ctx), c.ID, c.State.Token); err != nil {
		return c, code, err
	}
	_ = conn.Done()
	return c, code, nil
}

// lockedGet looks nameOrID up, takes its lock and repairs its state; the caller unlocks.
func (e *Engine) lockedGet(ctx context.Context, nameOrID string) (*Container, *lock, error) {
	c, err := e.lookup(nameOrID)
	if err != nil {
		return nil, nil, err
	}
	l, err := e.lockID(c.ID)
	if err != nil {
		return nil, nil, err
	}
	// Re-read under the lock: another command may have changed or removed it meanwhile.
	c, err = e.lookup(c.ID)
	if err != nil {
		l.unlock()
		return nil, nil, err
	}
	if err := e.repair(ctx, c); err != nil {
		l.unlock()
		return nil, nil, err
	}
	return c, l, nil
}

// cleanupAfter is Cleanup (policy.go) for an attached run or start, which cleans up in place of the
// monitor's exit command.
func (e *Engine) cleanupAfter(ctx context.Context, id, token string) error {
	_, err := e.Cleanup(ctx, id, token)
	return err
}
