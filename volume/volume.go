package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNoSuchVolume: no volume has the name (Podman's wording).
	ErrNoSuchVolume = errors.New("no such volume")
	// ErrExists: create of a name that is taken.
	ErrExists = errors.New("volume already exists")
	// ErrInUse: remove of a volume that containers use.
	ErrInUse = errors.New("volume is being used")
	// ErrInvalid: a bad name, label, option or filter; nothing was changed.
	ErrInvalid = mountflag.ErrInvalid
)

// DriverLocal is the only volume driver.
const DriverLocal = "local"

// Files and directories of the store.
const (
	dataDir    = "_data"
	metaFile   = "volume.json"
	tmpPrefix  = ".tmp-" // a volume being created
	gonePrefix = ".rm-"  // a volume being removed
)

// Volume is one volume's metadata.
type Volume struct {
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	CreatedAt time.Time         `json:"createdAt"`
	Labels    map[string]string `json:"labels"`
	// Options are the local driver's -o options: type, device and o.
	Options map[string]string `json:"options"`
	// Anonymous volumes were created for one container (-v /path, an image VOLUME); rm -v removes them.
	Anonymous bool `json:"anonymous,omitempty"`
	// UID and GID own the volume's root when o=uid=,gid= set them (else -1: the first container decides).
	UID int `json:"uid"`
	GID int `json:"gid"`
	// NeedsCopyUp: the next container that mounts the volume fills it with the image's content at the
	// mount point, if the volume is empty. NeedsChown: it gives the volume's root the owner and mode of
	// that directory (else the container user's IDs).
	NeedsCopyUp bool `json:"needsCopyUp"`
	NeedsChown  bool `json:"needsChown"`
	// MountCount counts the running containers of a volume with a mount of its own (-o type=tmpfs); the
	// mount goes when it drops to 0.
	MountCount uint `json:"mountCount"`

	// mountpoint is <store>/NAME/_data; set when read.
	mountpoint string
}

// Mountpoint returns the volume's data directory, which containers bind-mount.
func (v *Volume) Mountpoint() string { return v.mountpoint }

// Users lists the containers (names, else IDs) that use the volume called name, whatever their state.
type Users func(name string) ([]string, error)

// Store is the user's volume store.
type Store struct {
	dir string
	// Users says which containers use a volume; nil means none do. Remove, Prune and the dangling filter
	// consult it, and so does RemoveAnonymous.
	Users Users
	// RemoveUsers removes containers by name or ID for Remove with force, as Podman's volume rm -f does;
	// nil makes a forced removal of a volume in use fail.
	RemoveUsers func(names []string) error
}

// Open opens the volume store of the storage whose graph root is graphRoot, creating it if needed.
func Open(graphRoot string) (*Store, error) {
	if graphRoot == "" || !filepath.IsAbs(graphRoot) {
		return nil, fmt.Errorf("volume store: graph root %q is not an absolute path", graphRoot)
	}
	dir := filepath.Join(graphRoot, "volumes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create volume store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the directory that holds the volumes.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// Get returns the volume called name.
func (s *Store) Get(name string) (*Volume, error) {
	if err := mountflag.ValidateVolumeName(name); err != nil {
		return nil, fmt.Errorf("%w %s", ErrNoSuchVolume, name)
	}
	return s.read(name)
}

// Exists reports whether a volume called name exists.
func (s *Store) Exists(name string) (bool, error) {
	_, err := s.Get(name)
	if errors.Is(err, ErrNoSuchVolume) {
		return false, nil
	}
	return err == nil, err
}

// records is the store of the volumes' metadata: <store>/NAME/volume.json (package record).
func (s *Store) records() *record.Store[Volume] {
	return record.New[Volume](s.dir, record.Options{File: metaFile})
}

// read reads the metadata of volume name. A directory without metadata is not a volume.
func (s *Store) read(name string) (*Volume, error) {
	v, err := s.records().Get(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %s", ErrNoSuchVolume, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read volume %s: %w", name, err)
	}
	v.Name = name
	v.mountpoint = filepath.Join(s.path(name), dataDir)
	return v, nil
}

// writeMeta replaces the metadata of v atomically, in dir (the volume's directory, or the hidden one it
// is built in).
func writeMeta(dir string, v *Volume) error {
	if err := record.WriteJSON(filepath.Join(dir, metaFile), v, 0o600); err != nil {
		return fmt.Errorf("write volume %s: %w", v.Name, err)
	}
	return nil
}

func (s *Store) save(v *Volume) error { return writeMeta(s.path(v.Name), v) }

// names lists the volumes in the store, sorted. Hidden directories (being created or removed) are left
// out, and so are directories without metadata, which are never removed: Podman's volumes, whose
// metadata is in its database, look the same.
func (s *Store) names() ([]string, error) {
	names, _, err := s.records().List()
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	return names, nil
}

// All returns every volume, sorted by name.
func (s *Store) All() ([]*Volume, error) {
	names, err := s.names()
	if err != nil {
		return nil, err
	}
	var out []*Volume
	for _, n := range names {
		v, err := s.read(n)
		if errors.Is(err, ErrNoSuchVolume) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// users asks the Users hook, which may be nil.
func (s *Store) users(name string) ([]string, error) {
	if s.Users == nil {
		return nil, nil
	}
	u, err := s.Users(name)
	if err != nil {
		return nil, fmt.Errorf("find the containers using volume %s: %w", name, err)
	}
	return u, nil
}

// crashPoint marks the steps of a change where a killed command must leave a consistent store; the
// tests kill a helper process there.
var crashPoint = func(step string) {}

// storeLock is the held store lock.
type storeLock struct{ l *record.Lock }

// lock takes the store's lock, waiting for it, and clears what killed commands left behind.
func (s *Store) lock() (*storeLock, error) {
	l, err := s.records().LockAll()
	if err != nil {
		return nil, fmt.Errorf("lock volume store: %w", err)
	}
	s.sweep()
	return &storeLock{l: l}, nil
}

func (l *storeLock) unlock() {
	if l != nil {
		l.l.Unlock()
	}
}

// sweep removes the hidden directories of creates and removals that were killed, and the temporary
// files of killed metadata writes; the caller holds the lock, so none of the directories is in
// progress (and record.Sweep never takes a live writer's file).
func (s *Store) sweep() {
	if _, err := s.records().Repair(); err != nil {
		logrus.Debugf("volume store: %v", err)
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && (strings.HasPrefix(e.Name(), tmpPrefix) || strings.HasPrefix(e.Name(), gonePrefix)) {
			_ = removeTree(filepath.Join(s.dir, e.Name()))
		}
	}
}

// invalidf returns an error of class ErrInvalid whose text is only the message.
func invalidf(format string, a ...any) error {
	return mountflag.Invalid(fmt.Sprintf(format, a...))
}

// removeTree removes dir, first unmounting anything a killed command left mounted on its data.
func removeTree(dir string) error {
	data := filepath.Join(dir, dataDir)
	for i := 0; i < 8 && isMountpoint(data); i++ {
		if err := unix.Unmount(data, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %w", data, err)
		}
	}
	return os.RemoveAll(dir)
}
