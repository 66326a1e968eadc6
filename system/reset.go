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
	return reset(store, userHost())
}

// resetHost is what a reset does beyond the store's own directories: the user's namespace, the
// processes and mounts in it, skiff's state directory and the pause process. Tests give fakes.
type resetHost struct {
	inside        bool   // this process runs inside the user's namespace
	rootless      bool   // it runs for an unprivileged user, so a pause process holds the namespace
	stateDir      string // skiff's runtime state (userns.StateDir)
	pausePID      func() int
	stopProcesses func(keep []int, timeout time.Duration) error // every other process of the namespace
	unmountUnder  func(dirs ...string) error
	stopPause     func() error
}

// userHost is the real host of the invoking user.
func userHost() resetHost {
	return resetHost{
		inside: userns.Inside(), rootless: userns.Rootless(), stateDir: userns.StateDir(),
		pausePID: userns.PausePID, stopProcesses: stopNamespaceProcesses, unmountUnder: unmountUnder,
		stopPause: userns.StopPause,
	}
}

func reset(store storage.Store, h resetHost) error {
	graphRoot, runRoot := store.GraphRoot(), store.RunRoot()
	if h.inside {
		if err := h.stopProcesses([]int{h.pausePID()}, 5*time.Second); err != nil {
			return err
		}
	}
	// Unmount every layer before the files go.
	if _, err := store.Shutdown(true); err != nil {
		return fmt.Errorf("reset: unmount storage: %w", err)
	}
	if err := h.unmountUnder(graphRoot, runRoot, h.stateDir); err != nil {
		return err
	}
	var errs []error
	for _, dir := range []string{graphRoot, runRoot} {
		if err := removeAll(dir); err != nil {
			errs = append(errs, err)
		}
	}
	entries, err := os.ReadDir(h.stateDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, e := range entries {
		if e.Name() == "pause.pid" || e.Name() == "pause.lock" {
			continue // StopPause removes the record; the lock file must stay for concurrent commands
		}
		if err := removeAll(filepath.Join(h.stateDir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if h.rootless {
		return h.stopPause()
	}
	return nil
}

func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset: remove %s: %w", dir, err)
	}
	return nil
}
