package container

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/containers/storage"

	"github.com/skiffproject/skiff/container/podwire"
)

// RemoveOptions control Remove.
type RemoveOptions struct {
	// Force stops a running container first: with SIGKILL, or with its stop signal and StopTimeout.
	Force bool
	// StopTimeout is rm --time: how long a forced stop waits after the stop signal (nil: SIGKILL at once).
	StopTimeout *uint
	// Volumes also removes anonymous volumes; skiff creates none yet, so there is nothing more to do.
	Volumes bool
	// PodInfra lets a pod's infra container go too: pod rm removes its pod's containers with it.
	PodInfra bool
}

// Remove removes a container: its record, its storage (rootfs layer included), its log and lock.
func (e *Engine) Remove(ctx context.Context, nameOrID string, o RemoveOptions) error {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	if p := c.Config.Pod; p != nil && p.Infra && !o.PodInfra {
		return fmt.Errorf("container %s is the infra container of pod %s and cannot be removed without removing the pod: %w", c.ID, p.ID, podwire.ErrPodInfra)
	}
	return e.removeLocked(ctx, c, o)
}

// removeLocked removes c, whose lock the caller holds.
func (e *Engine) removeLocked(ctx context.Context, c *Container, o RemoveOptions) error {
	switch c.State.Status {
	case StatusRunning, StatusPaused, StatusStopping:
		if !o.Force {
			return fmt.Errorf("cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w",
				c.ID, c.State.Status, ErrRunning)
		}
		var timeout time.Duration
		if o.StopTimeout != nil {
			timeout = time.Duration(*o.StopTimeout) * time.Second
		}
		if err := e.stopLocked(ctx, c, timeout); err != nil {
			return err
		}
		// The monitor's clean-up will find the container gone: record the exit here.
		e.diedEvent(c)
	}
	e.stopHealthTimer(ctx, c)
	if c.State.Mounted || c.State.RuntimeCreated {
		if err := e.cleanupRun(ctx, c); err != nil {
			return err
		}
	}
	if err := e.store.DeleteContainer(c.ID); err != nil && !errors.Is(err, storage.ErrNotAContainer) &&
		!errors.Is(err, storage.ErrContainerUnknown) {
		return fmt.Errorf("remove container %s: %w", c.Name(), err)
	}
	e.removeLock(c.ID)
	e.event(c, "remove")
	if o.Volumes {
		return e.removeVolumes(c)
	}
	return nil
}

// PruneReport lists what Prune removed.
type PruneReport struct {
	ID   string
	Size int64
	Err  error
}

// Prune removes every container that is not running (created or exited).
func (e *Engine) Prune(ctx context.Context) ([]PruneReport, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []PruneReport
	for _, c := range all {
		if c.State.Status != StatusExited && c.State.Status != StatusCreated {
			continue
		}
		if c.Config.Pod != nil && c.Config.Pod.Infra {
			continue // goes with its pod (skiff pod rm, pod prune)
		}
		if c.State.Status == StatusCreated && !c.Incomplete && time.Since(c.Config.Created) < time.Second {
			continue // being created or started right now
		}
		size := e.DiffSize(c.ID)
		err := e.Remove(ctx, c.ID, RemoveOptions{})
		if errors.Is(err, ErrNoSuchContainer) || errors.Is(err, ErrRunning) {
			continue
		}
		out = append(out, PruneReport{ID: c.ID, Size: size, Err: err})
	}
	return out, nil
}

// DiffSize is the size of the container's writable layer, or 0 if unknown.
func (e *Engine) DiffSize(id string) int64 {
	sc, err := e.store.Container(id)
	if err != nil {
		return 0
	}
	n, err := e.store.DiffSize("", sc.LayerID)
	if err != nil {
		return 0
	}
	return n
}
