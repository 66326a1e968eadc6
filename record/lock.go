package record

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/containers/storage/pkg/lockfile"
)

// Lock is a held exclusive lock on a lock file.
type Lock struct{ lf *lockfile.LockFile }

// Acquire takes the exclusive lock on the file at path, creating the file and its directory (0700) if
// needed, and waits for it. The lock is pkg/lockfile's: a POSIX record lock between processes, which the
// kernel releases when the holder exits or is killed, and a mutex between the goroutines of one process.
// It is not re-entrant: a goroutine that holds it and asks again waits forever.
func Acquire(path string) (*Lock, error) {
	// Never open the lock file here: closing any descriptor of it would release the POSIX lock that
	// another goroutine of this process may hold. pkg/lockfile makes a missing directory itself, but
	// panics when it cannot: make it first so that a refusal is an error.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	lf, err := lockfile.GetLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	lf.Lock()
	return &Lock{lf: lf}, nil
}

// Unlock releases the lock; releasing a nil or released Lock does nothing.
func (l *Lock) Unlock() {
	if l != nil && l.lf != nil {
		l.lf.Unlock()
		l.lf = nil
	}
}
