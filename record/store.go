package record

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrBadID: a record ID that cannot name a file of the store (empty, hidden, or with a slash).
var ErrBadID = errors.New("invalid record ID")

// storeLock is the store-wide lock's file in the store's directory.
const storeLock = ".lock"

// Options lay a store out.
type Options struct {
	// File, when set, keeps each record in a directory of its own: DIR/ID/File (File may name a
	// subdirectory, as in userdata/skiff.json). Empty keeps records flat, as DIR/ID.json.
	File string
	// LockDir holds the per-record locks, LockDir/ID; empty means DIR/.locks. A store whose record
	// directories are made by someone else (containers/storage) keeps them in the runtime directory.
	LockDir string
	// NoSync writes records with WriteFileNoSync (see there).
	NoSync bool
	// Perm is the mode of record files; 0 means 0600.
	Perm fs.FileMode
}

// Store is a directory of JSON records of type T. Writers hold the record's lock ([Store.Lock]) or the
// store's ([Store.LockAll]), as the store defines; readers never lock, and see the old or the new record.
// New does no I/O: the directory is made by the first write or lock.
type Store[T any] struct {
	dir string
	o   Options
}

// New returns the store in dir.
func New[T any](dir string, o Options) *Store[T] {
	if o.LockDir == "" {
		o.LockDir = filepath.Join(dir, ".locks")
	}
	if o.Perm == 0 {
		o.Perm = 0o600
	}
	return &Store[T]{dir: dir, o: o}
}

// Dir returns the store's directory.
func (s *Store[T]) Dir() string { return s.dir }

// CheckID returns an error of class ErrBadID unless id can name a record.
func CheckID(id string) error {
	if id == "" || id == "." || id == ".." || strings.HasPrefix(id, ".") || strings.ContainsRune(id, '/') {
		return fmt.Errorf("record %q: %w", id, ErrBadID)
	}
	return nil
}

// Path returns the file of record id.
func (s *Store[T]) Path(id string) string {
	if s.o.File == "" {
		return filepath.Join(s.dir, id+".json")
	}
	return filepath.Join(s.dir, id, s.o.File)
}

// Get reads record id. A missing record wraps fs.ErrNotExist (so does an ID that cannot name one); one
// that does not decode wraps ErrCorrupt.
func (s *Store[T]) Get(id string) (*T, error) {
	if err := CheckID(id); err != nil {
		return nil, fmt.Errorf("%w: %w", err, fs.ErrNotExist)
	}
	v := new(T)
	if err := ReadJSON(s.Path(id), v); err != nil {
		return nil, err
	}
	return v, nil
}

// Put replaces record id with v atomically. A flat store makes its directory; a store of record
// directories writes only into an existing one (its creator makes it).
func (s *Store[T]) Put(id string, v *T) error {
	if err := CheckID(id); err != nil {
		return err
	}
	path := s.Path(id)
	if s.o.File == "" {
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	b, err := encode(path, v)
	if err != nil {
		return err
	}
	return write(path, b, s.o.Perm, !s.o.NoSync)
}

// Delete removes the file of record id (not a record directory: its owner removes that); a missing
// record is not an error.
func (s *Store[T]) Delete(id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	if err := os.Remove(s.Path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove record %s: %w", id, err)
	}
	return nil
}

// Lock takes the lock of record id, waiting for it.
func (s *Store[T]) Lock(id string) (*Lock, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	return Acquire(filepath.Join(s.o.LockDir, id))
}

// DeleteLock removes the lock file of record id once the record is gone; the caller holds the lock.
// A process waiting for it then holds a lock no one else can take, and finds no record.
func (s *Store[T]) DeleteLock(id string) {
	if CheckID(id) == nil {
		_ = os.Remove(filepath.Join(s.o.LockDir, id))
	}
}

// LockAll takes the store's lock, waiting for it.
func (s *Store[T]) LockAll() (*Lock, error) { return Acquire(filepath.Join(s.dir, storeLock)) }

// List returns the IDs of the records in the store, sorted, and the incomplete ones: record directories
// without their record file. Hidden names (locks, temporary files, hidden directories) are never
// records. A missing directory holds none.
func (s *Store[T]) List() (ids, incomplete []string, err error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", s.dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if s.o.File == "" {
			if id, ok := strings.CutSuffix(name, ".json"); ok && !e.IsDir() && CheckID(id) == nil {
				ids = append(ids, id)
			}
			continue
		}
		if !e.IsDir() {
			continue
		}
		if _, err := os.Lstat(s.Path(name)); err == nil {
			ids = append(ids, name)
		} else if errors.Is(err, fs.ErrNotExist) {
			incomplete = append(incomplete, name)
		} else {
			return nil, nil, fmt.Errorf("list %s: %w", s.dir, err)
		}
	}
	sort.Strings(ids)
	sort.Strings(incomplete)
	return ids, incomplete, nil
}

// All reads every record of the store, in ID order. A record removed while it is read is left out.
func (s *Store[T]) All() (ids []string, records []*T, err error) {
	all, _, err := s.List()
	if err != nil {
		return nil, nil, err
	}
	for _, id := range all {
		v, err := s.Get(id)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		ids, records = append(ids, id), append(records, v)
	}
	return ids, records, nil
}

// Repaired is what Repair found.
type Repaired struct {
	// Removed are the temporary files of killed writers that were deleted, relative to the store.
	Removed []string
	// Incomplete are the record directories without their record file, left for the store to judge.
	Incomplete []string
}

// Repair clears what killed writers left: the temporary files of writers that no longer run, in the
// store's directory and in each record's. It reports the incomplete records, which it leaves alone. It
// needs no lock: a live writer's temporary file is never touched.
func (s *Store[T]) Repair() (Repaired, error) {
	var r Repaired
	dirs := []string{s.dir}
	if s.o.File != "" {
		ids, incomplete, err := s.List()
		if err != nil {
			return r, err
		}
		r.Incomplete = incomplete
		for _, id := range append(ids, incomplete...) {
			dirs = append(dirs, filepath.Dir(s.Path(id)))
		}
	}
	for _, d := range dirs {
		removed, err := Sweep(d)
		for _, name := range removed {
			rel, _ := filepath.Rel(s.dir, filepath.Join(d, name))
			r.Removed = append(r.Removed, rel)
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}
