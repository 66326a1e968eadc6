package system

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/containers/storage"

	"github.com/skiffproject/skiff/userns"
)

// Reset removes everything skiff stored for the user: every container and image, the graph root and run
// root, and skiff's runtime state; then it stops the pause process, so the next command starts afresh.
// It runs inside the user's namespace, where files owned by subordinate IDs can be removed. What runs
// there goes first (containers, their monitors, network helpers), so that no process is left writing
// into, or holding mounts on, the directories it removes.
func Reset(store storage.Store) error {
	graphRoot, runRoot := store.GraphRoot(), store.RunRoot()
	if userns.Inside() {
		if err := stopNamespaceProcesses([]int{userns.PausePID()}, 5*time.Second); err != nil {
			return err
		}
	}
	// Unmount every layer before the files go.
	if _, err := store.Shutdown(true); err != nil {
		return fmt.Errorf("reset: unmount storage: %w", err)
	}
	if err := unmountUnder(graphRoot, runRoot, userns.StateDir()); err != nil {
		return err
	}
	var errs []error
	for _, dir := range []string{graphRoot, runRoot} {
		if err := removeAll(dir); err != nil {
			errs = append(errs, err)
		}
	}
	state := userns.StateDir()
	entries, err := os.ReadDir(state)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, e := range entries {
		if e.Name() == "pause.pid" || e.Name() == "pause.lock" {
			continue // StopPause removes the record; the lock file must stay for concurrent commands
		}
		if err := removeAll(filepath.Join(state, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if userns.Rootless() {
		return userns.StopPause()
	}
	return nil
}

func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset: remove %s: %w", dir, err)
	}
	return nil
}
