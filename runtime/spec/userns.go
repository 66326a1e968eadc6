package spec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	musr "github.com/moby/sys/user"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/record"
)

// IDMappings give a container a user namespace of its own, nested in the user's (--userns keep-id or
// nomap, --uidmap, --gidmap): UIDs and GIDs map container IDs to IDs of the user's namespace, in which
// the runtime runs and creates the nested one. Empty (the default) shares the user's namespace. The root
// file system must be owned according to the same mapping: create the storage container with
// storage.ContainerOptions.IDMappingOptions set from the same maps (userns.Mapping.StorageOptions).
type IDMappings struct {
	UIDs, GIDs []rspec.LinuxIDMapping
}

// setIDMappings adds the container's user namespace to s. The process's IDs must be mapped; /dev/pts
// loses gid=5 if GID 5 is not.
func setIDMappings(s *rspec.Spec, o *Options) error {
	m := o.IDMappings
	if len(m.UIDs) == 0 && len(m.GIDs) == 0 {
		return nil
	}
	if len(m.UIDs) == 0 || len(m.GIDs) == 0 {
		return errors.New("user namespace: give both UID and GID mappings")
	}
	if !idMapped(m.UIDs, o.User.UID) {
		return fmt.Errorf("user namespace: the process's uid %d is not mapped in the container (check --user and --uidmap)", o.User.UID)
	}
	for _, gid := range append([]uint32{o.User.GID}, o.User.AdditionalGIDs...) {
		if !idMapped(m.GIDs, gid) {
			return fmt.Errorf("user namespace: the process's gid %d is not mapped in the container (check --user, --group-add and --gidmap)", gid)
		}
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, rspec.LinuxNamespace{Type: rspec.UserNamespace})
	s.Linux.UIDMappings = slices.Clone(m.UIDs)
	s.Linux.GIDMappings = slices.Clone(m.GIDs)
	if !idMapped(m.GIDs, 5) {
		for i := range s.Mounts {
			if s.Mounts[i].Destination == "/dev/pts" {
				s.Mounts[i].Options = slices.DeleteFunc(s.Mounts[i].Options, func(o string) bool { return o == "gid=5" })
			}
		}
	}
	return nil
}

func idMapped(maps []rspec.LinuxIDMapping, id uint32) bool {
	return slices.ContainsFunc(maps, func(m rspec.LinuxIDMapping) bool {
		return uint64(id) >= uint64(m.ContainerID) && uint64(id) < uint64(m.ContainerID)+uint64(m.Size)
	})
}

// Account is the passwd and group entry that --userns keep-id gives the user inside the container, so
// that its UID has a name, a group and a home directory.
type Account struct {
	Name, Group string
	UID, GID    uint32
	Gecos, Home string
}

// KeepIDAccount describes the user with host IDs hostUID and hostGID as keep-id shows it in a container
// with container IDs uid and gid: the user's name, group name and full name from the host's databases,
// and Podman's choice of home: the user's home directory if it, or a directory above it, is one of
// mounts (container destinations), else the working directory (else /).
func KeepIDAccount(hostUID, hostGID int, uid, gid uint32, mounts []string, workdir string) Account {
	a := Account{UID: uid, GID: gid, Name: "user" + strconv.Itoa(hostUID), Home: "/"}
	home := ""
	if u, err := user.LookupId(strconv.Itoa(hostUID)); err == nil {
		a.Name, a.Gecos, home = u.Username, u.Name, u.HomeDir
	} else if n := os.Getenv("USER"); n != "" {
		a.Name = n
	}
	a.Group = a.Name
	if g, err := user.LookupGroupId(strconv.Itoa(hostGID)); err == nil {
		a.Group = g.Name
	}
	if workdir != "" {
		a.Home = workdir
	}
	for d := filepath.Clean(home); home != "" && d != "/" && d != "."; d = filepath.Dir(d) {
		if slices.Contains(mounts, d) {
			a.Home = home
			break
		}
	}
	return a
}

// AddAccount makes a known in the container whose root file system is rootfs: it appends
// "NAME:*:UID:GID:GECOS:HOME:/bin/sh" to /etc/passwd unless a line has the UID already, and
// "GROUP:x:GID:NAME" to /etc/group unless a line has the GID, as Podman does. Podman edits the files
// of a writable root file system in place, and that is what AddAccount does when copyDir is "". For a
// read-only root, pass a directory of the container's own (its run directory): the edited copies are
// written there and returned as bind mounts over /etc/passwd and /etc/group.
func AddAccount(rootfs string, a Account, copyDir string) ([]rspec.Mount, error) {
	if strings.ContainsAny(a.Name+a.Group+a.Gecos+a.Home, ":\n") {
		return nil, fmt.Errorf("account %q: a name, full name or home with ':' or a newline cannot go in /etc/passwd", a.Name)
	}
	files := []struct {
		path, line string
		has        func(string) bool
	}{
		{"/etc/passwd", fmt.Sprintf("%s:*:%d:%d:%s:%s:/bin/sh\n", a.Name, a.UID, a.GID, a.Gecos, a.Home),
			func(content string) bool { return hasID(content, a.UID, musr.ParsePasswdFilter) }},
		{"/etc/group", fmt.Sprintf("%s:x:%d:%s\n", a.Group, a.GID, a.Name),
			func(content string) bool { return hasGroupID(content, a.GID) }},
	}
	var mounts []rspec.Mount
	for _, f := range files {
		content, err := readInRoot(rootfs, f.path)
		if err != nil {
			return nil, err
		}
		if f.has(content) {
			continue
		}
		line := f.line
		if content != "" && !strings.HasSuffix(content, "\n") {
			line = "\n" + line
		}
		if copyDir != "" {
			dst := filepath.Join(copyDir, filepath.Base(f.path))
			if err := record.WriteFile(dst, []byte(content+line), 0o644); err != nil {
				return nil, fmt.Errorf("keep-id: write %s: %w", dst, err)
			}
			mounts = append(mounts, rspec.Mount{Destination: f.path, Type: "bind", Source: dst,
				Options: []string{"rbind", "rprivate", "ro", "nosuid", "nodev", "noexec"}})
			continue
		}
		if err := appendInRoot(rootfs, f.path, line); err != nil {
			return nil, err
		}
	}
	return mounts, nil
}

// hasID reports whether a passwd file has a line with uid.
func hasID(content string, uid uint32, parse func(io.Reader, func(musr.User) bool) ([]musr.User, error)) bool {
	users, err := parse(strings.NewReader(content), func(u musr.User) bool { return u.Uid == int(uid) })
	return err == nil && len(users) > 0
}

func hasGroupID(content string, gid uint32) bool {
	groups, err := musr.ParseGroupFilter(strings.NewReader(content), func(g musr.Group) bool { return g.Gid == int(gid) })
	return err == nil && len(groups) > 0
}

// readInRoot reads a file of the root file system ("" if it does not exist).
func readInRoot(rootfs, path string) (string, error) {
	f, err := openInRoot(rootfs, path)
	if err != nil || f == nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(bufio.NewReader(f))
	if err != nil {
		return "", fmt.Errorf("read %s in %s: %w", path, rootfs, err)
	}
	return string(b), nil
}

// appendInRoot appends line to path in rootfs, creating the file (mode 0644) if it is missing; a
// symlink in the image resolves inside rootfs.
func appendInRoot(rootfs, path, line string) error {
	full, err := securejoin.SecureJoin(rootfs, path)
	if err != nil {
		return fmt.Errorf("keep-id: resolve %s in %s: %w", path, rootfs, err)
	}
	if _, err := os.Stat(filepath.Dir(full)); errors.Is(err, fs.ErrNotExist) {
		return nil // no /etc: nothing to name the user in
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return fmt.Errorf("keep-id: add the user to %s: %w", path, err)
	}
	_, err = f.WriteString(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("keep-id: add the user to %s: %w", path, err)
	}
	return nil
}

// ResolveGroups resolves --group-add values (names or numbers) against the image's /etc/group under
// rootfs. keep-groups is not a group: see KeepGroups.
func ResolveGroups(rootfs string, groups []string) ([]uint32, error) {
	var out []uint32
	var content *string
	for _, g := range groups {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			out = append(out, uint32(n))
			continue
		}
		if g == KeepGroups {
			return nil, errors.New("--group-add keep-groups cannot be combined with other groups")
		}
		if content == nil {
			c, err := readInRoot(rootfs, "/etc/group")
			if err != nil {
				return nil, err
			}
			content = &c
		}
		found, err := musr.ParseGroupFilter(strings.NewReader(*content), func(gr musr.Group) bool { return gr.Name == g })
		if err != nil || len(found) == 0 {
			return nil, fmt.Errorf("--group-add %s: no group of that name in the image's /etc/group (use a number)", g)
		}
		out = append(out, uint32(found[0].Gid))
	}
	return out, nil
}

// KeepGroups is the --group-add value that keeps the user's own supplementary groups in the container.
const KeepGroups = "keep-groups"

// KeepGroupsAnnotation asks crun not to replace the supplementary groups of the process that runs it
// (Podman's --group-add keep-groups). runc has no such thing: it always sets the groups of the spec.
const KeepGroupsAnnotation = "run.oci.keep_original_groups"

// CheckKeepGroups checks --group-add keep-groups against the OCI runtime (a name or path) and the other
// --group-add values; on success set Options.Annotations[KeepGroupsAnnotation] = "1".
func CheckKeepGroups(runtime string, groups []string) error {
	if len(groups) > 1 {
		return errors.New("--group-add keep-groups cannot be combined with other groups")
	}
	if filepath.Base(runtime) != "crun" {
		return fmt.Errorf("--group-add keep-groups needs the crun runtime (runtime %s always replaces the supplementary groups): use --runtime crun", filepath.Base(runtime))
	}
	return nil
}
