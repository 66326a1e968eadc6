package userns

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/containers/storage/pkg/idtools"
	"github.com/containers/storage/types"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Kinds of Mode.
const (
	// ModeDefault: the container shares the user's namespace, so its root is the user and its IDs from
	// 1 on are the user's subordinate IDs. --userns=host means the same for a rootless user.
	ModeDefault = ""
	// ModeKeepID: the user's own UID and GID appear in the container as the same numbers (or keep-id's
	// uid= and gid=), and the container's process runs as them.
	ModeKeepID = "keep-id"
	// ModeNoMap: the user's own IDs are not mapped in the container at all.
	ModeNoMap = "nomap"
	// ModeMap: --uidmap and --gidmap give the mapping.
	ModeMap = "map"
)

// Mode is a container's choice of IDs: --userns, --uidmap and --gidmap. Every mode but the default gives
// the container a user namespace of its own, nested in the user's and mapped onto the IDs of the user's
// namespace; the runtime creates it (verified with runc 1.1.5 inside the user's namespace).
//
// The container lifecycle uses it so:
//   - reading the flags: ParseMode (a bad value: one line, exit 125);
//   - at create: Mode.Mappings with ReadNamespaceMaps, HostUID and HostGID; record the Mapping; create
//     the storage container with storage.ContainerOptions.IDMappingOptions = Mapping.StorageOptions(),
//     so containers/storage makes (once per image and mapping, then caches) an ID-mapped copy of the
//     image; with keep-id (Mapping.HasUser) and no --user, the process runs as Mapping.UID:GID;
//   - at start, with the rootfs mounted: for keep-id, runtime/spec.AddAccount(rootfs,
//     spec.KeepIDAccount(...)) before spec.ResolveUser; Mapping.MakeAccessible(rootfs);
//     spec.Options.IDMappings = {Mapping.SpecUIDs(), Mapping.SpecGIDs()}; and volume.Target's UIDMap
//     and GIDMap from StorageOptions().
type Mode struct {
	Kind string
	// UID and GID are keep-id's uid= and gid= (nil: the user's own IDs).
	UID, GID *uint32
	// UIDMap and GIDMap are --uidmap and --gidmap (ModeMap). HostID is an ID of the user's namespace,
	// Podman's "intermediate" ID.
	UIDMap, GIDMap []IDMap
}

// ParseMode parses --userns and the --uidmap and --gidmap values (CONTAINER:INTERMEDIATE:SIZE, one
// range per value). With only one of --uidmap and --gidmap, the other takes the same ranges, as in
// Podman. The values are checked against the user's namespace by Mappings.
func ParseMode(userns string, uidmap, gidmap []string) (Mode, error) {
	var m Mode
	kind, opts, hasOpts := strings.Cut(userns, ":")
	if len(uidmap)+len(gidmap) > 0 {
		if userns != "" {
			return m, fmt.Errorf("--userns %s and --uidmap/--gidmap cannot be combined: give one of them", userns)
		}
		m.Kind = ModeMap
		var err error
		if m.UIDMap, err = parseRanges("--uidmap", uidmap); err != nil {
			return m, err
		}
		if m.GIDMap, err = parseRanges("--gidmap", gidmap); err != nil {
			return m, err
		}
		if len(m.GIDMap) == 0 {
			m.GIDMap = slices.Clone(m.UIDMap)
		}
		if len(m.UIDMap) == 0 {
			m.UIDMap = slices.Clone(m.GIDMap)
		}
		return m, nil
	}
	switch kind {
	case "", "host":
		if hasOpts {
			return m, fmt.Errorf("--userns %s: %s takes no options", userns, kind)
		}
	case ModeNoMap:
		if hasOpts {
			return m, fmt.Errorf("--userns %s: nomap takes no options", userns)
		}
		m.Kind = ModeNoMap
	case ModeKeepID:
		m.Kind = ModeKeepID
		if !hasOpts {
			break
		}
		for _, o := range strings.Split(opts, ",") {
			k, v, _ := strings.Cut(o, "=")
			n, err := strconv.ParseUint(v, 10, 32)
			if (k != "uid" && k != "gid") || err != nil {
				return m, fmt.Errorf("--userns %s: option %q: keep-id takes uid=N and gid=N", userns, o)
			}
			id := uint32(n)
			if k == "uid" {
				m.UID = &id
			} else {
				m.GID = &id
			}
		}
	case "auto", "private", "ns", "container":
		return m, fmt.Errorf("--userns %s: not supported by skiff: use keep-id[:uid=N,gid=N], nomap, host, or --uidmap/--gidmap", userns)
	default:
		return m, fmt.Errorf("--userns %q: want host, keep-id[:uid=N,gid=N] or nomap (or use --uidmap/--gidmap)", userns)
	}
	return m, nil
}

// parseRanges parses CONTAINER:INTERMEDIATE:SIZE values.
func parseRanges(flag string, values []string) ([]IDMap, error) {
	var out []IDMap
	for _, v := range values {
		f := strings.Split(v, ":")
		var n [3]uint64
		var err error
		if len(f) == 3 {
			for i := range f {
				if n[i], err = strconv.ParseUint(f[i], 10, 32); err != nil {
					break
				}
			}
		}
		if len(f) != 3 || err != nil || n[2] == 0 || n[0]+n[2] > 1<<32 || n[1]+n[2] > 1<<32 {
			return nil, fmt.Errorf("%s %q: want CONTAINER:INTERMEDIATE:SIZE, e.g. %s 0:1:65536", flag, v, flag)
		}
		out = append(out, IDMap{ContainerID: uint32(n[0]), HostID: uint32(n[1]), Size: uint32(n[2])})
	}
	return out, nil
}

// Mapping is a container's own user namespace: UIDs and GIDs map container IDs (ContainerID) to IDs of
// the user's namespace (HostID). The zero Mapping is the default mode: no namespace of its own.
type Mapping struct {
	UIDs, GIDs []IDMap
	// HasUser is set for keep-id: the process runs as UID:GID unless --user says otherwise.
	HasUser  bool
	UID, GID uint32
}

// Own reports whether the container gets a user namespace of its own.
func (m Mapping) Own() bool { return len(m.UIDs) > 0 }

// Mappings computes a container's mapping for the mode. nsUIDs and nsGIDs are the user's namespace's
// own maps (ReadNamespaceMaps, inside it); hostUID and hostGID the user's IDs (HostUID, HostGID).
//
// keep-id is Podman's mapping: with U the user's UID (or uid=), container U is namespace 0 (the user),
// container 0..U-1 are namespace 1..U, and container U+1.. are namespace U+1.. up to the last ID of the
// namespace; the same for GIDs. nomap maps container 0.. onto namespace 1..: the user is left out.
// --uidmap/--gidmap ranges must lie within the namespace and must not overlap.
func (m Mode) Mappings(nsUIDs, nsGIDs []IDMap, hostUID, hostGID uint32) (Mapping, error) {
	switch m.Kind {
	case ModeDefault:
		return Mapping{}, nil
	case ModeKeepID:
		uid, gid := hostUID, hostGID
		if m.UID != nil {
			uid = *m.UID
		}
		if m.GID != nil {
			gid = *m.GID
		}
		if (uid != 0 && top(nsUIDs) <= 1) || (gid != 0 && top(nsGIDs) <= 1) {
			return Mapping{}, fmt.Errorf("--userns keep-id: the user's namespace maps only your own ID (no subordinate range in /etc/subuid), " +
				"so the container would have no root, which the runtime needs; without keep-id the container's root is you, and files it writes are yours")
		}
		return Mapping{UIDs: keepID(uid, top(nsUIDs)), GIDs: keepID(gid, top(nsGIDs)), HasUser: true, UID: uid, GID: gid}, nil
	case ModeNoMap:
		tu, tg := top(nsUIDs), top(nsGIDs)
		if tu <= 1 || tg <= 1 {
			return Mapping{}, fmt.Errorf("--userns nomap: the user's namespace maps only the user's own ID (no subordinate range in /etc/subuid and /etc/subgid), and nomap leaves that out")
		}
		return Mapping{UIDs: []IDMap{{ContainerID: 0, HostID: 1, Size: tu - 1}}, GIDs: []IDMap{{ContainerID: 0, HostID: 1, Size: tg - 1}}}, nil
	case ModeMap:
		if err := checkRanges("--uidmap", m.UIDMap, nsUIDs); err != nil {
			return Mapping{}, err
		}
		if err := checkRanges("--gidmap", m.GIDMap, nsGIDs); err != nil {
			return Mapping{}, err
		}
		for _, f := range []struct {
			flag string
			maps []IDMap
		}{{"--uidmap", m.UIDMap}, {"--gidmap", m.GIDMap}} {
			if !slices.ContainsFunc(f.maps, func(r IDMap) bool { return r.ContainerID == 0 }) {
				return Mapping{}, fmt.Errorf("%s: container ID 0 is not mapped: the runtime needs a root in the container (add %s 0:INTERMEDIATE:1)", f.flag, f.flag)
			}
		}
		return Mapping{UIDs: slices.Clone(m.UIDMap), GIDs: slices.Clone(m.GIDMap)}, nil
	}
	return Mapping{}, fmt.Errorf("unknown user namespace mode %q", m.Kind)
}

// top returns the number of IDs the namespace maps contiguously from 0: its IDs are 0..top-1.
func top(ns []IDMap) uint32 {
	var t uint64
	for changed := true; changed; {
		changed = false
		for _, r := range ns {
			if uint64(r.ContainerID) <= t && uint64(r.ContainerID)+uint64(r.Size) > t {
				t, changed = uint64(r.ContainerID)+uint64(r.Size), true
			}
		}
	}
	return uint32(min(t, 1<<32-1))
}

// keepID maps container id to namespace 0, and the namespace's other IDs (1..top-1) around it.
func keepID(id, top uint32) []IDMap {
	max := uint64(top) - 1 // the highest namespace ID; 0 with only the user's own ID mapped
	var out []IDMap
	if n := min(uint64(id), max); n > 0 {
		out = append(out, IDMap{ContainerID: 0, HostID: 1, Size: uint32(n)})
	}
	out = append(out, IDMap{ContainerID: id, HostID: 0, Size: 1})
	if max > uint64(id) {
		out = append(out, IDMap{ContainerID: id + 1, HostID: id + 1, Size: uint32(max - uint64(id))})
	}
	return out
}

// checkRanges checks --uidmap or --gidmap ranges against the user's namespace.
func checkRanges(flag string, ranges, ns []IDMap) error {
	t := top(ns)
	for i, r := range ranges {
		desc := fmt.Sprintf("%s %d:%d:%d", flag, r.ContainerID, r.HostID, r.Size)
		if uint64(r.HostID)+uint64(r.Size) > uint64(t) {
			return fmt.Errorf("%s: IDs %d-%d are not in the user's namespace, which has IDs 0-%d (/proc/self/uid_map in `skiff unshare`)",
				desc, r.HostID, uint64(r.HostID)+uint64(r.Size)-1, t-1)
		}
		for _, o := range ranges[:i] {
			if overlap(r.ContainerID, r.Size, o.ContainerID, o.Size) {
				return fmt.Errorf("%s: container IDs overlap %d:%d:%d", desc, o.ContainerID, o.HostID, o.Size)
			}
			if overlap(r.HostID, r.Size, o.HostID, o.Size) {
				return fmt.Errorf("%s: intermediate IDs overlap %d:%d:%d", desc, o.ContainerID, o.HostID, o.Size)
			}
		}
	}
	return nil
}

func overlap(a, an, b, bn uint32) bool {
	return uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}

// ReadNamespaceMaps reads the maps of the calling process's user namespace: inside the user's namespace,
// which IDs it has.
func ReadNamespaceMaps() (uids, gids []IDMap, err error) {
	for _, f := range []struct {
		path string
		out  *[]IDMap
	}{{"/proc/self/uid_map", &uids}, {"/proc/self/gid_map", &gids}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", f.path, err)
		}
		if *f.out, err = ParseProcMap(string(b)); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", f.path, err)
		}
	}
	return uids, gids, nil
}

// StorageOptions returns the ID mappings for storage.ContainerOptions.IDMappingOptions: containers/storage
// then gives the container a root file system owned as the mapping says (an ID-mapped copy of the
// image's layers, made once per mapping and cached with the image). The zero Mapping gives the zero
// value: the store's own mapping, no copy.
func (m Mapping) StorageOptions() types.IDMappingOptions {
	if !m.Own() {
		return types.IDMappingOptions{}
	}
	return types.IDMappingOptions{UIDMap: storageMaps(m.UIDs), GIDMap: storageMaps(m.GIDs)}
}

// SpecUIDs and SpecGIDs return the mappings for spec.Options.IDMappings (an OCI "user" namespace).
func (m Mapping) SpecUIDs() []rspec.LinuxIDMapping { return specMaps(m.UIDs) }

// SpecGIDs is SpecUIDs for groups.
func (m Mapping) SpecGIDs() []rspec.LinuxIDMapping { return specMaps(m.GIDs) }

func storageMaps(maps []IDMap) []idtools.IDMap {
	var out []idtools.IDMap
	for _, r := range maps {
		out = append(out, idtools.IDMap{ContainerID: int(r.ContainerID), HostID: int(r.HostID), Size: int(r.Size)})
	}
	return out
}

func specMaps(maps []IDMap) []rspec.LinuxIDMapping {
	var out []rspec.LinuxIDMapping
	for _, r := range maps {
		out = append(out, rspec.LinuxIDMapping{ContainerID: r.ContainerID, HostID: r.HostID, Size: r.Size})
	}
	return out
}

// mapsUser reports whether the mapping gives the user (ID 0 of the user's namespace) a container UID
// and GID. Then the container's root has the user's access to the user's files through its
// capabilities; otherwise it is a stranger to them.
func (m Mapping) mapsUser() bool {
	has := func(maps []IDMap) bool {
		return slices.ContainsFunc(maps, func(r IDMap) bool { return r.HostID == 0 })
	}
	return has(m.UIDs) && has(m.GIDs)
}

// MakeAccessible lets the container's root reach path when the mapping leaves the user out (nomap, or
// --uidmap without the user): the runtime mounts the root file system and the mount sources as the
// container's root, which then has no access to the user's private directories (the storage root is
// 0700). Each directory above path that others cannot search and whose owner the container does not
// map gets o+x, as Podman does; that grants passing through, not listing. Such a directory that the
// user does not own is an error.
// Other mappings need nothing.
func (m Mapping) MakeAccessible(path string) error {
	if !m.Own() || m.mapsUser() {
		return nil
	}
	for dir := filepath.Clean(path); ; dir = filepath.Dir(dir) {
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err != nil {
			return fmt.Errorf("make %s reachable from the container: %w", dir, err)
		}
		mapped := slices.ContainsFunc(m.UIDs, func(r IDMap) bool {
			return uint64(st.Uid) >= uint64(r.HostID) && uint64(st.Uid) < uint64(r.HostID)+uint64(r.Size)
		})
		// An owner the container maps is within reach of its root's capabilities.
		if !mapped && st.Mode&0o001 == 0 {
			if st.Uid != 0 {
				return fmt.Errorf("the container cannot reach %s: %s is not searchable by others and not yours (chmod o+x it)", path, dir)
			}
			if err := unix.Chmod(dir, (st.Mode&0o7777)|0o001); err != nil {
				return fmt.Errorf("make %s reachable from the container: chmod o+x %s: %w", path, dir, err)
			}
		}
		if dir == "/" {
			return nil
		}
	}
}
