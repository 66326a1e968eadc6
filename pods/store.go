package pods

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containers/storage/pkg/ioutils"
	"golang.org/x/sys/unix"
)

// Files of the store.
const (
	storeDir = "pods"  // under the graph root, next to volumes/
	lockFile = ".lock" // flock held by create and rm
	ext      = ".json" // a pod's record is <dir>/<ID>.json
)

// store keeps pod records: one JSON file per pod, replaced atomically (a temporary file and a rename).
// Changes that must see every name (create) or that end a pod (rm) hold the store's lock; readers never
// lock.
type store struct{ dir string }

// lock takes the store's lock, waiting for it.
func (s store) lock() (unlock func(), err error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("pod store: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(s.dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the pod store: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock the pod store: %w", err)
	}
	return func() { f.Close() }, nil
}

// list returns every pod record, oldest first.
func (s store) list() ([]*Pod, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	var out []*Pod
	for _, de := range entries {
		name := de.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ext) {
			continue // the lock, or a record being written
		}
		p, err := s.read(strings.TrimSuffix(name, ext))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b *Pod) int { return a.Created.Compare(b.Created) })
	return out, nil
}

func (s store) path(id string) string { return filepath.Join(s.dir, id+ext) }

func (s store) read(id string) (*Pod, error) {
	b, err := os.ReadFile(s.path(id))
	if err != nil {
		return nil, err
	}
	p := &Pod{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("read record of pod %s: %w", shortID(id), err)
	}
	p.ID = id
	return p, nil
}

// save replaces the record of p atomically.
func (s store) save(p *Pod) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("pod store: %w", err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode record of pod %s: %w", p.Name, err)
	}
	if err := ioutils.AtomicWriteFileWithOpts(s.path(p.ID), b, 0o600, &ioutils.AtomicFileWriterOptions{NoSync: true}); err != nil {
		return fmt.Errorf("write record of pod %s: %w", p.Name, err)
	}
	return nil
}

// remove deletes the record of pod id; a missing record is not an error.
func (s store) remove(id string) error {
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove record of pod %s: %w", shortID(id), err)
	}
	return nil
}

// find returns the pod nameOrID names among pods: a full ID, a name, or a unique ID prefix, as Podman
// resolves them.
func find(pods []*Pod, nameOrID string) (*Pod, error) {
	if nameOrID == "" {
		return nil, fmt.Errorf("no pod with name or ID \"\" found: %w", ErrNoSuchPod)
	}
	for _, p := range pods {
		if p.ID == nameOrID {
			return p, nil
		}
	}
	for _, p := range pods {
		if p.Name == nameOrID {
			return p, nil
		}
	}
	var match *Pod
	for _, p := range pods {
		if strings.HasPrefix(p.ID, nameOrID) {
			if match != nil {
				return nil, fmt.Errorf("%q: %w: give more characters of the ID", nameOrID, ErrAmbiguous)
			}
			match = p
		}
	}
	if match == nil {
		return nil, fmt.Errorf("no pod with name or ID %s found: %w", nameOrID, ErrNoSuchPod)
	}
	return match, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
