package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/containers/storage/pkg/ioutils"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/userns"
)

// Files of a container. The record, the exit file and the log live in the storage container's
// persistent directory; the bundle, the PID file and the monitor's sockets in its run directory.
const (
	recordFile = "skiff.json"
	exitFile   = "exit"
	logFile    = "ctr.log"
	pidFile    = "pidfile"
	bundleSpec = "config.json"
)

// dir returns the persistent directory of container id without taking the store's lock; it is the
// path store.ContainerDirectory returns.
func (e *Engine) dir(id string) string {
	return filepath.Join(e.store.GraphRoot(), e.store.GraphDriverName()+"-containers", id, "userdata")
}

// runDir returns the run directory of container id (store.ContainerRunDirectory's path).
func (e *Engine) runDir(id string) string {
	return filepath.Join(e.store.RunRoot(), e.store.GraphDriverName()+"-containers", id, "userdata")
}

func (e *Engine) exitPath(id string) string { return filepath.Join(e.dir(id), exitFile) }

// oomPath is where the monitor records that the OOM killer struck the container's cgroup.
func (e *Engine) oomPath(id string) string { return filepath.Join(e.dir(id), exitFile+".oom") }

// defaultLogPath returns the k8s-file log of container id in its directory.
func (e *Engine) defaultLogPath(id string) string { return filepath.Join(e.dir(id), logFile) }

// readRecord reads the record of container id; a missing record wraps fs.ErrNotExist.
func (e *Engine) readRecord(id string) (*Container, error) {
	b, err := os.ReadFile(filepath.Join(e.dir(id), recordFile))
	if err != nil {
		return nil, err
	}
	c := &Container{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("read record of container %s: %w", shortID(id), err)
	}
	c.ID = id
	return c, nil
}

// save replaces the record of c atomically. It is not synced to disk: a crash of the machine loses at
// most the last change, and the next command repairs the state from what is left; a killed process
// leaves either the old or the new record, never a torn one.
func (e *Engine) save(c *Container) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode record of container %s: %w", shortID(c.ID), err)
	}
	if err := ioutils.AtomicWriteFileWithOpts(filepath.Join(e.dir(c.ID), recordFile), b, 0o600,
		&ioutils.AtomicFileWriterOptions{NoSync: true}); err != nil {
		return fmt.Errorf("write record of container %s: %w", shortID(c.ID), err)
	}
	return nil
}

// lock is a held container lock.
type lock struct{ f *os.File }

// lockDir is where container locks live: in the runtime directory, so a reboot clears them and they
// exist before the storage container does.
func (e *Engine) lockDir() string {
	if e.opts.StateDir != "" {
		return filepath.Join(e.opts.StateDir, "locks")
	}
	return filepath.Join(userns.StateDir(), "locks")
}

// lockID takes the lock of container id, waiting for it.
func (e *Engine) lockID(id string) (*lock, error) {
	dir := e.lockDir()
	path := filepath.Join(dir, id)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o700); err == nil {
			f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lock container %s: %w", shortID(id), err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock container %s: %w", shortID(id), err)
	}
	return &lock{f: f}, nil
}

// unlock releases the lock.
func (l *lock) unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// removeLock deletes the lock file of a removed container (the caller holds the lock).
func (e *Engine) removeLock(id string) { _ = os.Remove(filepath.Join(e.lockDir(), id)) }

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
