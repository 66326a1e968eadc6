package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/systemd"
)

// Restart policies without a daemon.
//
// When a container's init exits, its monitor records the exit code and then execs `skiff container
// cleanup` in its own place, which calls Cleanup (an attached `run` or `start` calls it itself). Cleanup
// undoes the run and applies the container's --restart policy (systemd.RestartPolicy.ShouldRestart): a
// restart goes through launch, the path every start takes, so it sets up whatever a start sets up. The
// count of restarts since the user last started the container is State.RestartCount, which bounds
// on-failure:N. A run that the user ended (stop, kill, restart, rm -f) is never restarted: those verbs leave
// the run's token in the file stoppedFile, without taking the container's lock (kill must not wait for a
// stop in progress).
//
// Restarts back off as Docker's do: 100 ms after the first failure, doubling with each restart up to
// maxRestartDelay, and 100 ms again after a run that lasted restartResetAfter.

// stoppedFile, in the container's persistent directory, holds the token of the run a user stopped.
const stoppedFile = "stopped"

const (
	minRestartDelay   = 100 * time.Millisecond
	maxRestartDelay   = time.Minute
	restartResetAfter = 10 * time.Second
)

// systemdConfig checks the --restart and --sdnotify values of a create and returns them as recorded.
func systemdConfig(o *CreateOptions) (restart, sdnotify string, err error) {
	p := o.Restart
	if p.Name == "" {
		p.Name = systemd.RestartNo
	}
	if p.Name != systemd.RestartNo && o.AutoRemove {
		return "", "", fmt.Errorf("the --rm option conflicts with --restart=%s: a removed container cannot be restarted", p)
	}
	return p.String(), o.SdNotify, nil
}

// markStopped records that the user ended the current run of c (best effort: a missing mark only means
// that a policy may restart the container).
func (e *Engine) markStopped(c *Container) {
	if c.State.Token == "" {
		return
	}
	if err := record.WriteFileNoSync(filepath.Join(e.dir(c.ID), stoppedFile), []byte(c.State.Token), 0o600); err != nil {
		logrus.Debugf("container %s: record the stop: %v", shortID(c.ID), err)
	}
}

// stoppedByUser reports whether the user ended the current run of c.
func (e *Engine) stoppedByUser(c *Container) bool {
	b, err := os.ReadFile(filepath.Join(e.dir(c.ID), stoppedFile))
	return err == nil && c.State.Token != "" && string(b) == c.State.Token
}

// Cleanup is the monitor's exit command: it cleans up after the run of container id identified by token
// (unmounting the rootfs, deleting the runtime's state), removes the container if it was created with
// AutoRemove, and otherwise restarts it when its restart policy says so. A stale token (the container was
// started again since) does nothing.
//
// It returns the exit code of that run (0 when unknown): `container cleanup` exits with it, because under
// systemd the monitor, which becomes that command, is the main process of the container's unit, and
// Restart=on-failure looks at its exit status. A run the user ended (stop, kill, rm -f: the unit's own
// ExecStop among them) returns 0: an end that was asked for is not a failure of the unit.
func (e *Engine) Cleanup(ctx context.Context, id, token string) (int, error) {
	code, restart, err := e.finishRun(ctx, id, token)
	if err != nil || !restart {
		return code, err
	}
	return code, e.restartByPolicy(ctx, id, token)
}

// finishRun is Cleanup up to the restart: it returns the run's exit code and whether the policy restarts
// the container.
func (e *Engine) finishRun(ctx context.Context, id, token string) (code int, restart bool, err error) {
	// The monitor wrote the exit file before it became the clean-up; read it before anything can remove it.
	known := false
	if ex, err := monitor.ReadExitFile(e.exitPath(id)); err == nil && ex.Token == token {
		code, known = ex.Code, true
	}
	c, l, err := e.lockedGet(ctx, id)
	if errors.Is(err, ErrNoSuchContainer) {
		return 0, false, nil // removed meanwhile: rm -f ended the run
	}
	if err != nil {
		return code, false, err
	}
	defer l.unlock()
	if c.State.Token != token && c.State.Token != "" {
		return code, false, nil
	}
	if c.State.Status != StatusExited {
		return code, false, nil
	}
	if !known {
		code = c.State.ExitCode
	}
	e.diedEvent(c)
	if c.State.HealthTimer != "" {
		e.stopHealthTimer(ctx, c)
		if err := e.save(c); err != nil {
			return code, false, err
		}
	}
	stopped := e.stoppedByUser(c)
	if stopped {
		code = 0
	}
	if c.Config.AutoRemove {
		if err := e.removeLocked(ctx, c, RemoveOptions{Force: true, Volumes: true}); err != nil {
			return code, false, err
		}
		e.removeImage(c) // --rmi
		return code, false, nil
	}
	p, err := systemd.ParseRestartPolicy(c.Config.RestartPolicy)
	if err != nil {
		logrus.Warnf("container %s: %v: not restarting it", c.Name(), err)
		return code, false, nil
	}
	return code, p.ShouldRestart(c.State.ExitCode, uint(max(c.State.RestartCount, 0)), stopped), nil
}

// restartByPolicy starts container id again after the back-off, unless meanwhile it was started, stopped
// or removed.
func (e *Engine) restartByPolicy(ctx context.Context, id, token string) error {
	if c, err := e.Get(id); err == nil {
		t := time.NewTimer(restartDelay(c.State))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	c, l, err := e.lockedGet(ctx, id)
	if errors.Is(err, ErrNoSuchContainer) {
		return nil
	}
	if err != nil {
		return err
	}
	defer l.unlock()
	if c.State.Token != token || c.State.Status != StatusExited || e.stoppedByUser(c) {
		return nil
	}
	logrus.Debugf("container %s: restart policy %s: restarting it after exit code %d", shortID(c.ID), c.Config.RestartPolicy, c.State.ExitCode)
	c.policyRestart = true
	_, err = e.launch(ctx, c, false)
	return err
}

// restartDelay is the back-off before a policy restart after the run s.
func restartDelay(s State) time.Duration {
	if s.FinishedAt.Sub(s.StartedAt) >= restartResetAfter {
		return minRestartDelay
	}
	d := minRestartDelay << min(max(s.RestartCount, 0), 10)
	return min(d, maxRestartDelay)
}
