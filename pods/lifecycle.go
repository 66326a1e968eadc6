package pods

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/record"
)

func running(c *container.Container) bool {
	switch c.State.Status {
	case container.StatusRunning, container.StatusPaused, container.StatusStopping:
		return true
	}
	return false
}

// Start starts the pod's infra container, then every member that does not run (Podman's pod start).
// A member that fails does not stop the others; the error names each.
func (e *Engine) Start(ctx context.Context, nameOrID string) (*View, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	if v.Infra != nil {
		if !running(v.Infra) {
			if _, _, err := e.ctr.Start(ctx, v.Infra.ID, container.StartOptions{}); err != nil {
				return v, fmt.Errorf("starting the infra container of pod %s: %w", v.Name, err)
			}
		}
		if err := e.writeInfraPID(v); err != nil {
			return v, err
		}
	}
	var errs []error
	for _, c := range v.Members() {
		if running(c) {
			continue
		}
		if _, _, err := e.ctr.Start(ctx, c.ID, container.StartOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("starting container %s: %w", c.ID, err))
		}
	}
	return v, errors.Join(errs...)
}

// writeInfraPID writes the infra container's monitor PID to the pod's --infra-conmon-pidfile, if any.
func (e *Engine) writeInfraPID(v *View) error {
	if v.InfraPIDFile == "" {
		return nil
	}
	infra, err := e.ctr.Get(v.Infra.ID)
	if err != nil {
		return err
	}
	if err := record.WriteFile(v.InfraPIDFile, []byte(strconv.Itoa(infra.State.MonitorPid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("pod %s: --infra-conmon-pidfile: %w", v.Name, err)
	}
	return nil
}

// Stop stops every member of the pod at once, each with its stop signal and timeout (or timeout), then
// the infra container.
func (e *Engine) Stop(ctx context.Context, nameOrID string, timeout *uint) (*View, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	return v, e.stop(ctx, v, timeout)
}

func (e *Engine) stop(ctx context.Context, v *View, timeout *uint) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range v.Members() {
		if !running(c) {
			continue
		}
		wg.Add(1)
		go func(id string, ce *container.Engine) {
			defer wg.Done()
			if _, err := ce.Stop(ctx, id, container.StopOptions{Timeout: timeout}); err != nil && !errors.Is(err, container.ErrNoSuchContainer) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("stopping container %s: %w", id, err))
				mu.Unlock()
			}
		}(c.ID, e.ctr.Clone())
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...) // the members still use the infra container's namespaces
	}
	if v.Infra != nil {
		if _, err := e.ctr.Stop(ctx, v.Infra.ID, container.StopOptions{Timeout: timeout}); err != nil {
			return fmt.Errorf("stopping the infra container of pod %s: %w", v.Name, err)
		}
	}
	return nil
}

// Restart stops the pod (as Stop does, with the containers' own timeouts) and starts it again.
func (e *Engine) Restart(ctx context.Context, nameOrID string) (*View, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	if err := e.stop(ctx, v, nil); err != nil {
		return v, err
	}
	return e.Start(ctx, v.ID)
}

// Kill sends sig to every running container of the pod, the members first.
func (e *Engine) Kill(ctx context.Context, nameOrID string, sig unix.Signal) (*View, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, c := range append(v.Members(), v.Infra) {
		if c == nil || !running(c) {
			continue
		}
		if _, err := e.ctr.Kill(ctx, c.ID, sig); err != nil && !errors.Is(err, container.ErrNotRunning) {
			errs = append(errs, fmt.Errorf("killing container %s: %w", c.ID, err))
		}
	}
	return v, errors.Join(errs...)
}

// Pause freezes every running container of the pod; without a cgroup it fails as container pause does.
func (e *Engine) Pause(ctx context.Context, nameOrID string) (*View, error) {
	return e.setPaused(ctx, nameOrID, true)
}

// Unpause thaws every paused container of the pod.
func (e *Engine) Unpause(ctx context.Context, nameOrID string) (*View, error) {
	return e.setPaused(ctx, nameOrID, false)
}

func (e *Engine) setPaused(ctx context.Context, nameOrID string, pause bool) (*View, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	want, verb := container.StatusRunning, "pause"
	if !pause {
		want, verb = container.StatusPaused, "unpause"
	}
	var errs []error
	for _, c := range v.Containers {
		if c.State.Status != want {
			continue
		}
		if pause {
			_, err = e.ctr.Pause(ctx, c.ID)
		} else {
			_, err = e.ctr.Unpause(ctx, c.ID)
		}
		if err != nil {
			errs = append(errs, err)
			if pause {
				break // the first error says why (a container without a cgroup): do not freeze half the pod
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return v, fmt.Errorf("%s pod %s: %w", verb, v.Name, err)
	}
	return v, nil
}

// RemoveOptions control Remove.
type RemoveOptions struct {
	// Force stops running containers first: with Timeout, as pod stop does; otherwise with SIGKILL.
	Force   bool
	Timeout *uint
}

// Remove removes a pod: its members, its infra container, then its record. Without Force a pod with
// a running container is refused and nothing is removed.
func (e *Engine) Remove(ctx context.Context, nameOrID string, o RemoveOptions) (*View, error) {
	unlock, err := e.st.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	var busy []string
	for _, c := range v.Containers {
		if running(c) {
			busy = append(busy, c.Name())
		}
	}
	if len(busy) > 0 {
		if !o.Force {
			return v, fmt.Errorf("pod %s has running containers (%s): stop them first (skiff pod stop %s) or use --force: %w",
				v.Name, strings.Join(busy, ", "), v.Name, container.ErrRunning)
		}
		if o.Timeout != nil {
			if err := e.stop(ctx, v, o.Timeout); err != nil {
				return v, err
			}
		}
	}
	var errs []error
	for _, c := range v.Members() {
		err := e.ctr.Remove(ctx, c.ID, container.RemoveOptions{Force: o.Force, PodInfra: true})
		if err != nil && !errors.Is(err, container.ErrNoSuchContainer) {
			errs = append(errs, fmt.Errorf("removing container %s from pod %s: %w", c.ID, v.Name, err))
		}
	}
	if len(errs) > 0 {
		return v, errors.Join(errs...)
	}
	if v.Infra != nil {
		err := e.ctr.Remove(ctx, v.Infra.ID, container.RemoveOptions{Force: o.Force, PodInfra: true})
		if err != nil && !errors.Is(err, container.ErrNoSuchContainer) {
			return v, fmt.Errorf("removing the infra container of pod %s: %w", v.Name, err)
		}
	}
	return v, e.st.remove(v.ID)
}

// PruneReport is one pod Prune removed, or failed to.
type PruneReport struct {
	ID  string
	Err error
}

// Prune removes every pod whose containers have all exited (states Exited and Stopped, as Podman's pod
// prune).
func (e *Engine) Prune(ctx context.Context) ([]PruneReport, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []PruneReport
	for _, v := range all {
		if s := v.Status(); s != StateExited && s != StateStopped {
			continue
		}
		_, err := e.Remove(ctx, v.ID, RemoveOptions{})
		if errors.Is(err, ErrNoSuchPod) || errors.Is(err, container.ErrRunning) {
			continue // removed or started meanwhile
		}
		out = append(out, PruneReport{ID: v.ID, Err: err})
	}
	return out, nil
}

// ApplyExitPolicy runs after container id's run ended (its clean-up): in a pod with --exit-policy stop
// whose members have all stopped, it stops the pod's infra container, as Podman does.
func (e *Engine) ApplyExitPolicy(ctx context.Context, podID string) error {
	v, err := e.Get(podID)
	if errors.Is(err, ErrNoSuchPod) {
		return nil
	}
	if err != nil {
		return err
	}
	if v.ExitPolicy != ExitStop || v.Infra == nil || !running(v.Infra) {
		return nil
	}
	for _, c := range v.Members() {
		if running(c) {
			return nil
		}
	}
	if _, err := e.ctr.Stop(ctx, v.Infra.ID, container.StopOptions{}); err != nil && !errors.Is(err, container.ErrNoSuchContainer) {
		return fmt.Errorf("pod %s: exit policy stop: stop the infra container: %w", v.Name, err)
	}
	return nil
}
