package volume

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skiffproject/skiff/volume/mountflag"
)

// CreateOptions describe a volume to create; they mirror `skiff volume create`.
type CreateOptions struct {
	Name   string // "" = a random 64-hex-digit name
	Driver string // "" or "local"
	Labels map[string]string
	// Options are the local driver's -o options: type=tmpfs|bind, device=, o=MOUNT-OPTIONS. o=uid=N,gid=N
	// also sets the owner of a plain volume. Without type the volume is a plain directory.
	Options map[string]string
	// Ignore returns the existing volume instead of failing when the name is taken (--ignore).
	Ignore bool
	// Anonymous marks a volume created for one container.
	Anonymous bool
}

// Create creates a volume. Everything is checked before anything is written; a killed Create leaves
// either no volume or a complete one. Of two Creates of one name, one wins and the other fails with
// ErrExists (or, with Ignore, returns the winner's volume).
func (s *Store) Create(o CreateOptions) (*Volume, error) {
	v, err := newVolume(o)
	if err != nil {
		return nil, err
	}
	l, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	return s.createLocked(v, o.Ignore)
}

// CheckCreate checks o as Create will, without the store, so that a command can fail before it enters
// the user's namespace.
func CheckCreate(o CreateOptions) error {
	_, err := newVolume(o)
	return err
}

// newVolume checks o and returns the volume it describes.
func newVolume(o CreateOptions) (*Volume, error) {
	if o.Name == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("generate volume name: %w", err)
		}
		o.Name = hex.EncodeToString(b)
	}
	if err := mountflag.ValidateVolumeName(o.Name); err != nil {
		return nil, err
	}
	switch o.Driver {
	case "", DriverLocal:
	default:
		return nil, invalidf("volume driver %q: skiff has only the local driver", o.Driver)
	}
	for k := range o.Labels {
		if k == "" {
			return nil, invalidf("label with an empty name: use --label KEY=VALUE")
		}
	}
	d, err := parseDriverOptions(o.Options)
	if err != nil {
		return nil, err
	}
	v := &Volume{
		Name: o.Name, Driver: DriverLocal, CreatedAt: time.Now(), Anonymous: o.Anonymous,
		Labels: map[string]string{}, Options: map[string]string{},
		UID: d.uid, GID: d.gid, NeedsCopyUp: true, NeedsChown: d.uid < 0 && d.gid < 0,
	}
	maps.Copy(v.Labels, o.Labels)
	maps.Copy(v.Options, o.Options)
	return v, nil
}

// createLocked creates v; the caller holds the lock.
func (s *Store) createLocked(v *Volume, ignore bool) (*Volume, error) {
	if existing, err := s.read(v.Name); err == nil {
		if ignore {
			return existing, nil
		}
		return nil, fmt.Errorf("volume with name %s already exists: %w", v.Name, ErrExists)
	} else if !errors.Is(err, ErrNoSuchVolume) {
		return nil, err
	}
	final := s.path(v.Name)
	if _, err := os.Lstat(final); err == nil {
		// A directory without metadata: not a volume (a copy made by hand, or debris); keep it.
		return nil, fmt.Errorf("create volume %s: %s exists but holds no volume: move it away", v.Name, final)
	}
	tmp, err := os.MkdirTemp(s.dir, tmpPrefix+v.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	data := filepath.Join(tmp, dataDir)
	if err := os.Mkdir(data, 0o755); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	if d, _ := parseDriverOptions(v.Options); d.typ == "" && (v.UID >= 0 || v.GID >= 0) {
		if err := os.Lchown(data, v.UID, v.GID); err != nil {
			return nil, fmt.Errorf("create volume %s: set owner %d:%d: %w", v.Name, v.UID, v.GID, err)
		}
	}
	crashPoint("create: data directory made")
	if err := writeMeta(tmp, v); err != nil {
		return nil, err
	}
	crashPoint("create: metadata written")
	// The rename publishes the volume at once, complete.
	if err := os.Rename(tmp, final); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	ok = true
	v.mountpoint = filepath.Join(final, dataDir)
	return v, nil
}

// driverOptions are the parsed -o options of the local driver.
type driverOptions struct {
	typ    string // "", "tmpfs" or "bind"
	device string
	// flags and data are o= split for mount(2); uid and gid are -1 unless o= sets them.
	flags    uintptr
	data     []string
	uid, gid int
	recurse  bool // rbind
}

// parseDriverOptions checks the local driver's options, as Podman's volume create -o takes them. In a
// user namespace only tmpfs and bind mounts are possible, so those are the types.
func parseDriverOptions(opts map[string]string) (driverOptions, error) {
	d := driverOptions{uid: -1, gid: -1}
	for k, v := range opts {
		switch k {
		case "type":
			switch v {
			case "tmpfs":
				d.typ = v
			case "bind", "none":
				d.typ = "bind"
			default:
				return d, invalidf("volume option type=%s: a rootless volume can be only type=tmpfs or type=bind (or no type, a directory)", v)
			}
		case "device", "o":
		default:
			return d, invalidf("volume option %q: the local driver takes type=, device= and o=", k)
		}
	}
	d.device = opts["device"]
	var bind bool
	if o := opts["o"]; o != "" {
		for _, opt := range strings.Split(o, ",") {
			key, val, _ := strings.Cut(opt, "=")
			switch key {
			case "uid", "gid":
				n, err := strconv.ParseUint(val, 10, 31)
				if err != nil {
					return d, invalidf("volume option o=%s: %s=%q is not a number", o, key, val)
				}
				if key == "uid" {
					d.uid = int(n)
				} else {
					d.gid = int(n)
				}
				if d.typ == "tmpfs" {
					d.data = append(d.data, opt)
				}
			case "bind", "rbind":
				bind, d.recurse = true, key == "rbind"
			case "size", "mode", "nr_inodes", "nr_blocks", "huge", "mpol":
				if d.typ != "tmpfs" {
					return d, invalidf("volume option o=%s: %s= needs type=tmpfs", o, key)
				}
				if val == "" {
					return d, invalidf("volume option o=%s: %s= needs a value", o, key)
				}
				d.data = append(d.data, opt)
			default:
				flag, ok := mountFlags[key]
				if !ok || val != "" {
					return d, invalidf("volume option o=%s: unknown mount option %q", o, opt)
				}
				d.flags |= flag
			}
		}
	}
	switch d.typ {
	case "":
		if d.device != "" || d.flags != 0 || bind {
			return d, invalidf("volume options device= and mount options in o= need type=tmpfs or type=bind")
		}
	case "bind":
		if !bind {
			return d, invalidf("volume option type=bind needs o=bind or o=rbind")
		}
		if !filepath.IsAbs(d.device) {
			return d, invalidf("volume option type=bind needs device=/ABSOLUTE/PATH, got %q", d.device)
		}
		if _, err := os.Stat(d.device); errors.Is(err, fs.ErrNotExist) {
			return d, invalidf("volume option device=%s: no such directory", d.device)
		}
	case "tmpfs":
		if bind {
			return d, invalidf("volume option type=tmpfs cannot take o=bind")
		}
	}
	return d, nil
}

// ParseKeyValues turns repeated KEY=VALUE flag values into a map; a value without "=" is a key with
// an empty value when emptyOK (labels), else an error (-o). flag names the flag in messages.
func ParseKeyValues(flag string, values []string, emptyOK bool) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range values {
		k, v, ok := strings.Cut(kv, "=")
		if k == "" || (!ok && !emptyOK) {
			return nil, invalidf("%s %q: want KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}
