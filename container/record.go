package container

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/skiffproject/skiff/record"
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

// records is the store of container records: <graph root>/<driver>-containers/ID/userdata/skiff.json,
// in the directories containers/storage makes, with the per-container locks in the runtime directory.
// Records are not synced to disk: a crash of the machine loses at most the last change, and the next
// command repairs the state from what is left; a killed process leaves either the old or the new
// record, never a torn one. A storage container without a record is a create that was killed
// (fromStorage shows it as incomplete).
func (e *Engine) records() *record.Store[Container] {
	return record.New[Container](filepath.Join(e.store.GraphRoot(), e.store.GraphDriverName()+"-containers"),
		record.Options{File: filepath.Join("userdata", recordFile), LockDir: e.lockDir(), NoSync: true})
}

// readRecord reads the record of container id; a missing record wraps fs.ErrNotExist.
func (e *Engine) readRecord(id string) (*Container, error) {
	c, err := e.records().Get(id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read record of container %s: %w", shortID(id), err)
	}
	c.ID = id
	return c, nil
}

// save replaces the record of c atomically.
func (e *Engine) save(c *Container) error {
	if err := e.records().Put(c.ID, c); err != nil {
		return fmt.Errorf("write record of container %s: %w", shortID(c.ID), err)
	}
	return nil
}

// lock is a held container lock.
type lock struct{ l *record.Lock }

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
	l, err := e.records().Lock(id)
	if err != nil {
		return nil, fmt.Errorf("lock container %s: %w", shortID(id), err)
	}
	return &lock{l: l}, nil
}

// unlock releases the lock.
func (l *lock) unlock() {
	if l != nil {
		l.l.Unlock()
	}
}

// removeLock deletes the lock file of a removed container (the caller holds the lock).
func (e *Engine) removeLock(id string) { e.records().DeleteLock(id) }

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
