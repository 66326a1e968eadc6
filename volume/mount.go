package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/containers/storage/pkg/idtools"
	securejoin "github.com/cyphar/filepath-securejoin"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/volume/mountflag"
)

// CheckSpecs checks what mountflag.Parse cannot without the volume package: the volume-opt= options
// of volumes a container would create. Call it with Parse, before anything is stored.
func CheckSpecs(specs []mountflag.Spec) error {
	for _, sp := range specs {
		if sp.Type != mountflag.TypeVolume || len(sp.VolumeOptions) == 0 {
			continue
		}
		if _, err := parseDriverOptions(sp.VolumeOptions); err != nil {
			return fmt.Errorf("%s: %w", sp.Origin, err)
		}
	}
	return nil
}

// Prepare runs at container create, after the specs are complete (mountflag.Parse, Inherit,
// AddImageVolumes): it creates an anonymous volume (random name) for each volume spec without a source
// and the named volumes that do not exist yet (with the spec's volume-opt= and volume-label=), and
// returns the specs with every volume named, for the container's record. If the create fails after
// Prepare, call undo: it removes the volumes Prepare created. Existing volumes are used as they are.
func (s *Store) Prepare(specs []mountflag.Spec) (out []mountflag.Spec, undo func(), err error) {
	undo = func() {}
	if err := CheckSpecs(specs); err != nil {
		return nil, undo, err
	}
	l, err := s.lock()
	if err != nil {
		return nil, undo, err
	}
	defer l.unlock()
	out = slices.Clone(specs)
	var created []string
	undo = func() {
		for _, name := range created {
			_ = s.removeIfUnused(name)
		}
	}
	defer func() {
		if err != nil {
			undo()
			undo = func() {}
		}
	}()
	for i := range out {
		sp := &out[i]
		if sp.Type != mountflag.TypeVolume {
			continue
		}
		if sp.Source != "" {
			if _, err := s.read(sp.Source); err == nil {
				continue
			} else if !errors.Is(err, ErrNoSuchVolume) {
				return nil, undo, err
			}
		}
		v, err := newVolume(CreateOptions{Name: sp.Source, Anonymous: sp.Anonymous && sp.Source == "",
			Options: sp.VolumeOptions, Labels: sp.VolumeLabels})
		if err != nil {
			return nil, undo, fmt.Errorf("%s: %w", sp.Origin, err)
		}
		if _, err := s.createLocked(v, false); err != nil {
			return nil, undo, fmt.Errorf("%s: %w", sp.Origin, err)
		}
		created = append(created, v.Name)
		sp.Source = v.Name
	}
	return out, undo, nil
}

// removeIfUnused removes a volume no container uses (Prepare's undo).
func (s *Store) removeIfUnused(name string) error {
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.unlock()
	v, err := s.read(name)
	if err != nil {
		return err
	}
	if users, err := s.users(name); err != nil || len(users) > 0 {
		return err
	}
	return s.removeLocked(v)
}

// Target is the container a start mounts its specs into.
type Target struct {
	// RootFS is the container's mounted root file system: the image's content for copy-up, and the owner
	// and mode each new volume's root takes.
	RootFS string
	// UID and GID are the container process's IDs as the container sees them (spec.User after
	// ResolveUser or keep-id).
	UID, GID uint32
	// UIDMap and GIDMap map the container's IDs to the user namespace's when the container has a user
	// namespace of its own (keep-id, nomap, --uidmap): the maps given to storage.ContainerOptions. Nil
	// for the default, where the container's IDs are the user namespace's.
	UIDMap, GIDMap []idtools.IDMap
}

// Mounts runs at each start, with the container's root file system mounted, and returns the OCI mounts
// for the specs (for spec.Options.Mounts). For each volume, in the user's namespace:
//   - a volume with a mount of its own (-o type=tmpfs) is mounted if it is not, and counted;
//   - a new volume's root takes the owner and mode of the mount point in the image, or else the
//     container user's IDs (NeedsChown), as in Podman;
//   - a new volume is filled with the image's content at the mount point (NeedsCopyUp, unless nocopy),
//     keeping owners, modes, links and times; a killed copy is redone by the next start;
//   - :U chowns the volume, or a bind mount's host path, recursively to the container user's IDs as
//     the user's namespace sees them.
//
// Bind mounts get the flags their host mount locks (nosuid, nodev, noexec, ro), without which a
// runtime in a user namespace cannot remount them. On error nothing stays counted. Call Release when
// the container stops.
func (s *Store) Mounts(specs []mountflag.Spec, t Target) ([]rspec.Mount, error) {
	uid, err := toNamespace(t.UIDMap, t.UID)
	if err != nil {
		return nil, fmt.Errorf("container user: uid %w", err)
	}
	gid, err := toNamespace(t.GIDMap, t.GID)
	if err != nil {
		return nil, fmt.Errorf("container user: gid %w", err)
	}
	l, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	var out []rspec.Mount
	var counted []*Volume
	fail := func(err error) ([]rspec.Mount, error) {
		for _, v := range counted {
			_ = s.releaseLocked(v.Name)
		}
		return nil, err
	}
	for _, sp := range specs {
		switch sp.Type {
		case mountflag.TypeTmpfs:
			opts := slices.Clone(sp.Options)
			if sp.Chown {
				// tmpfs takes uid= and gid= in the IDs of the namespace that mounts it: the container's.
				opts = append(opts, "uid="+strconv.FormatUint(uint64(t.UID), 10), "gid="+strconv.FormatUint(uint64(t.GID), 10))
			}
			out = append(out, rspec.Mount{Type: "tmpfs", Source: "tmpfs", Destination: sp.Destination, Options: opts})
		case mountflag.TypeBind:
			if _, err := os.Stat(sp.Source); err != nil {
				return fail(fmt.Errorf("%s: host path %s: %w", sp.Origin, sp.Source, errors.Unwrap(err)))
			}
			if sp.Chown {
				if err := chownTree(sp.Source, uid, gid); err != nil {
					return fail(fmt.Errorf("%s: chown %s to %d:%d: %w", sp.Origin, sp.Source, uid, gid, err))
				}
			}
			out = append(out, rspec.Mount{Type: "bind", Source: sp.Source, Destination: sp.Destination,
				Options: lockedFlags(sp.Source, sp.Options)})
		case mountflag.TypeVolume:
			v, own, err := s.mountVolume(sp, t, uid, gid)
			if own {
				counted = append(counted, v)
			}
			if err != nil {
				return fail(err)
			}
			out = append(out, rspec.Mount{Type: "bind", Source: v.mountpoint, Destination: sp.Destination,
				Options: lockedFlags(v.mountpoint, sp.Options)})
		default:
			return fail(fmt.Errorf("%s: unknown mount type %q", sp.Origin, sp.Type))
		}
	}
	return out, nil
}

// mountVolume prepares the volume of sp for a start; own reports that it was mounted and counted.
func (s *Store) mountVolume(sp mountflag.Spec, t Target, uid, gid int) (v *Volume, own bool, err error) {
	if sp.Source == "" {
		return nil, false, fmt.Errorf("%s: the volume has no name: the container was created without volume.Store.Prepare", sp.Origin)
	}
	v, err = s.read(sp.Source)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w (removed since the container was created?)", sp.Origin, err)
	}
	changed := false
	if v.hasOwnMount() {
		if !isMountpoint(v.mountpoint) {
			v.MountCount = 0 // the mount went with an earlier namespace (a reboot)
		}
		if err := v.mount(); err != nil {
			return v, false, err
		}
		// Counted on disk at once, so that a failure below releases exactly this count.
		v.MountCount++
		if err := s.save(v); err != nil {
			if v.MountCount--; v.MountCount == 0 {
				_ = v.unmount()
			}
			return v, false, err
		}
		own = true
	}
	if v.NeedsChown {
		if err := v.chownRoot(t, uid, gid, sp); err != nil {
			return v, own, err
		}
		v.NeedsChown, changed = false, true
	}
	if v.NeedsCopyUp && !sp.NoCopy {
		if err := v.copyUp(t.RootFS, sp.Destination); err != nil {
			return v, own, fmt.Errorf("%s: fill volume %s from the image's %s: %w", sp.Origin, v.Name, sp.Destination, err)
		}
		v.NeedsCopyUp, changed = false, true
	}
	if sp.Chown {
		if err := chownTree(v.mountpoint, uid, gid); err != nil {
			return v, own, fmt.Errorf("%s: chown volume %s to %d:%d: %w", sp.Origin, v.Name, uid, gid, err)
		}
	}
	if changed {
		if err := s.save(v); err != nil {
			return v, own, err
		}
	}
	return v, own, nil
}

// chownRoot gives a new volume's root the container user's IDs, then, when the image has the mount
// point, its owner and mode (Podman's fixVolumePermissions). :U on an anonymous volume keeps the user.
func (v *Volume) chownRoot(t Target, uid, gid int, sp mountflag.Spec) error {
	if err := os.Lchown(v.mountpoint, uid, gid); err != nil {
		return fmt.Errorf("%s: chown volume %s to %d:%d: %w", sp.Origin, v.Name, uid, gid, err)
	}
	if sp.Chown && sp.Anonymous {
		return nil
	}
	src, err := inRoot(t.RootFS, sp.Destination)
	if err != nil || src == "" {
		return err
	}
	var st unix.Stat_t
	if err := unix.Stat(src, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	if err := os.Lchown(v.mountpoint, int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("%s: chown volume %s like %s: %w", sp.Origin, v.Name, sp.Destination, err)
	}
	if err := unix.Chmod(v.mountpoint, st.Mode&0o7777); err != nil {
		return fmt.Errorf("%s: chmod volume %s like %s: %w", sp.Origin, v.Name, sp.Destination, err)
	}
	return nil
}

// copyUp fills an empty volume with the content of dest in rootfs. A plain volume is filled in a
// hidden directory that replaces the empty data directory by rename, so a killed copy leaves the
// volume empty (and NeedsCopyUp set) rather than half full; a volume with a mount of its own is filled
// in place.
func (v *Volume) copyUp(rootfs, dest string) error {
	src, err := inRoot(rootfs, dest)
	if err != nil || src == "" {
		return err
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil
	}
	empty, err := isEmptyDir(v.mountpoint)
	if err != nil || !empty {
		return err
	}
	if isMountpoint(v.mountpoint) {
		return copyTree(src, v.mountpoint)
	}
	tmp := filepath.Join(filepath.Dir(v.mountpoint), ".copyup")
	_ = os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	if err := copyTree(src, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(v.mountpoint, &st); err == nil {
		if err := setMeta(tmp, &st); err != nil {
			_ = os.RemoveAll(tmp)
			return err
		}
	}
	// rename(2) replaces an empty directory (os.Rename refuses any directory).
	if err := unix.Rename(tmp, v.mountpoint); err != nil {
		_ = os.RemoveAll(tmp)
		return &os.LinkError{Op: "rename", Old: tmp, New: v.mountpoint, Err: err}
	}
	return nil
}

// inRoot resolves path inside rootfs as the container would, symlinks included, without leaving rootfs;
// "" if rootfs is "".
func inRoot(rootfs, path string) (string, error) {
	if rootfs == "" {
		return "", nil
	}
	p, err := securejoin.SecureJoin(rootfs, path)
	if err != nil {
		return "", fmt.Errorf("resolve %s in the container's root file system: %w", path, err)
	}
	return p, nil
}

// Release undoes the counting of Mounts for a container that stopped (or whose start failed after
// Mounts): a volume with a mount of its own is unmounted when no running container uses it any more.
func (s *Store) Release(specs []mountflag.Spec) error {
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.unlock()
	var errs []error
	for _, sp := range specs {
		if sp.Type == mountflag.TypeVolume && sp.Source != "" {
			if err := s.releaseLocked(sp.Source); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Store) releaseLocked(name string) error {
	v, err := s.read(name)
	if errors.Is(err, ErrNoSuchVolume) {
		return nil
	}
	if err != nil || !v.hasOwnMount() {
		return err
	}
	if v.MountCount > 0 {
		v.MountCount--
	}
	if v.MountCount == 0 {
		if err := v.unmount(); err != nil {
			return err
		}
	}
	return s.save(v)
}

// toNamespace maps a container ID to the user namespace's through maps (nil: the same ID).
func toNamespace(maps []idtools.IDMap, id uint32) (int, error) {
	if maps == nil {
		return int(id), nil
	}
	for _, m := range maps {
		if int64(id) >= int64(m.ContainerID) && int64(id) < int64(m.ContainerID)+int64(m.Size) {
			return m.HostID + int(id) - m.ContainerID, nil
		}
	}
	return -1, fmt.Errorf("%d is not mapped in the container's user namespace", id)
}

// lockedFlags adds to opts the flags of the mount that holds path which a user namespace cannot clear
// (nosuid, nodev, noexec, noatime, and ro for a read-only mount): a runtime that remounts the bind
// without them fails with EPERM.
func lockedFlags(path string, opts []string) []string {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return opts
	}
	out := slices.Clone(opts)
	for _, f := range []struct {
		bit        int64
		opt, other string
	}{
		{unix.ST_NOSUID, "nosuid", "suid"},
		{unix.ST_NODEV, "nodev", "dev"},
		{unix.ST_NOEXEC, "noexec", "exec"},
		{unix.ST_NOATIME, "noatime", ""},
	} {
		if st.Flags&f.bit != 0 && !slices.Contains(out, f.opt) && !slices.Contains(out, f.other) {
			out = append(out, f.opt)
		}
	}
	if st.Flags&unix.ST_RDONLY != 0 {
		out = slices.DeleteFunc(out, func(o string) bool { return o == "rw" })
		if !slices.Contains(out, "ro") {
			out = append(out, "ro")
		}
	}
	return out
}
