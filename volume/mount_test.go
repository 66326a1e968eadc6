package volume

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containers/storage/pkg/idtools"

	"github.com/skiffproject/skiff/volume/mountflag"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (make test-unit runs the unit tests as root) to create files of other owners")
	}
}

var stamp = time.Date(2020, 9, 13, 12, 26, 40, 0, time.UTC)

// imageRootfs builds a root file system whose /data holds files of several owners, modes and kinds, as
// the layers test image does.
func imageRootfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(root, "data")
	must(os.MkdirAll(filepath.Join(data, "app"), 0o755))
	must(os.WriteFile(filepath.Join(data, "app", "file"), []byte("hello\n"), 0o644))
	must(os.Link(filepath.Join(data, "app", "file"), filepath.Join(data, "app", "hardlink")))
	must(os.Symlink("file", filepath.Join(data, "app", "symlink")))
	must(os.WriteFile(filepath.Join(data, "suid"), []byte("#!/bin/sh\n"), 0o755))
	must(syscall.Mkfifo(filepath.Join(data, "fifo"), 0o640))
	must(os.Lchown(filepath.Join(data, "app"), 1000, 1000))
	must(os.Lchown(filepath.Join(data, "app", "file"), 1000, 1000))
	must(os.Lchown(filepath.Join(data, "app", "symlink"), 1000, 1001))
	must(syscall.Chmod(filepath.Join(data, "suid"), 0o4755))
	must(os.Chtimes(filepath.Join(data, "app", "file"), stamp, stamp))
	must(os.Lchown(data, 65534, 65534))
	must(os.Chmod(data, 0o750))
	must(os.Symlink("/data", filepath.Join(root, "link")))
	return root
}

func statOf(t *testing.T, path string) syscall.Stat_t {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// A new volume over an image directory starts with the image's content, owners and modes included,
// once: NeedsCopyUp is cleared and later starts keep what containers wrote.
func TestMountsCopyUp(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	root := imageRootfs(t)
	specs, _, err := mountflag.Parse(mountflag.Flags{Volumes: []string{"vol:/data", "/link", "/nonexistent"}})
	if err != nil {
		t.Fatal(err)
	}
	specs, _, err = s.Prepare(specs)
	if err != nil {
		t.Fatal(err)
	}
	mounts, err := s.Mounts(specs, Target{RootFS: root, UID: 1234, GID: 1235})
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 3 || mounts[0].Type != "bind" || mounts[0].Destination != "/data" ||
		mounts[0].Source != filepath.Join(s.Dir(), "vol", "_data") || !slices.Contains(mounts[0].Options, "rbind") {
		t.Fatalf("mounts %+v", mounts)
	}
	v, _ := s.Get("vol")
	if v.NeedsCopyUp || v.NeedsChown {
		t.Fatalf("after the first start: NeedsCopyUp %v NeedsChown %v", v.NeedsCopyUp, v.NeedsChown)
	}
	for _, dir := range []string{mounts[0].Source, mounts[1].Source} {
		b, err := os.ReadFile(filepath.Join(dir, "app", "file"))
		if err != nil || string(b) != "hello\n" {
			t.Fatalf("%s: copied file %q %v", dir, b, err)
		}
		if st := statOf(t, dir); st.Uid != 65534 || st.Mode&0o7777 != 0o750 {
			t.Errorf("volume root %o %d, want the image directory's 0750 65534", st.Mode&0o7777, st.Uid)
		}
		if st := statOf(t, filepath.Join(dir, "app", "file")); st.Uid != 1000 || st.Gid != 1000 || st.Mode&0o7777 != 0o644 ||
			st.Mtim.Sec != stamp.Unix() {
			t.Errorf("file: %d:%d %o mtime %d", st.Uid, st.Gid, st.Mode&0o7777, st.Mtim.Sec)
		}
		if a, b := statOf(t, filepath.Join(dir, "app", "file")), statOf(t, filepath.Join(dir, "app", "hardlink")); a.Ino != b.Ino {
			t.Error("hard link copied as a second file")
		}
		if l, err := os.Readlink(filepath.Join(dir, "app", "symlink")); err != nil || l != "file" {
			t.Errorf("symlink -> %q %v", l, err)
		}
		if st := statOf(t, filepath.Join(dir, "app", "symlink")); st.Gid != 1001 {
			t.Errorf("symlink group %d", st.Gid)
		}
		if st := statOf(t, filepath.Join(dir, "suid")); st.Mode&0o7777 != 0o4755 {
			t.Errorf("set-uid file mode %o", st.Mode&0o7777)
		}
		if st := statOf(t, filepath.Join(dir, "fifo")); st.Mode&syscall.S_IFMT != syscall.S_IFIFO || st.Mode&0o777 != 0o640 {
			t.Errorf("fifo mode %o", st.Mode)
		}
	}
	// No image directory: the root belongs to the container's user.
	if st := statOf(t, mounts[2].Source); st.Uid != 1234 || st.Gid != 1235 {
		t.Errorf("volume over a missing directory: owner %d:%d, want 1234:1235", st.Uid, st.Gid)
	}
	// What a container changes stays: no second copy-up.
	if err := os.Remove(filepath.Join(mounts[0].Source, "app", "file")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mounts(specs, Target{RootFS: root}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(mounts[0].Source, "app", "file")); !os.IsNotExist(err) {
		t.Fatalf("second start copied up again: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "vol", ".copyup")); !os.IsNotExist(err) {
		t.Fatalf("copy-up left its temporary directory: %v", err)
	}
}

func TestMountsNoCopyAndNonEmpty(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	root := imageRootfs(t)
	if _, err := s.Create(CreateOptions{Name: "full"}); err != nil {
		t.Fatal(err)
	}
	v, _ := s.Get("full")
	if err := os.WriteFile(filepath.Join(v.Mountpoint(), "mine"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	specs, _, _ := mountflag.Parse(mountflag.Flags{Volumes: []string{"full:/data", "empty:/link:nocopy"}})
	specs, _, err := s.Prepare(specs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Mounts(specs, Target{RootFS: root})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(m[0].Source, "app")); !os.IsNotExist(err) {
		t.Error("a volume with content was filled from the image")
	}
	if empty, _ := isEmptyDir(m[1].Source); !empty {
		t.Error("nocopy volume was filled")
	}
	if v, _ := s.Get("empty"); !v.NeedsCopyUp {
		t.Error("nocopy cleared NeedsCopyUp")
	}
}

// :U gives the volume, or a bind mount's host files, the container user's IDs as the user's namespace
// sees them: with a keep-id mapping, container uid 1000 is namespace uid 0.
func TestMountsChown(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	root := imageRootfs(t)
	host := t.TempDir()
	if err := os.MkdirAll(filepath.Join(host, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "sub", "f"), nil, 0o4755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Chmod(filepath.Join(host, "sub", "f"), 0o4755); err != nil {
		t.Fatal(err)
	}
	keepID := []idtools.IDMap{{ContainerID: 0, HostID: 1, Size: 1000}, {ContainerID: 1000, HostID: 0, Size: 1}, {ContainerID: 1001, HostID: 1001, Size: 64535}}
	specs, _, _ := mountflag.Parse(mountflag.Flags{Volumes: []string{"vol:/data:U", host + ":/h:U"}, Tmpfs: []string{"/t:U"}})
	specs, _, err := s.Prepare(specs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Mounts(specs, Target{RootFS: root, UID: 1000, GID: 1000, UIDMap: keepID, GIDMap: keepID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{m[0].Source, filepath.Join(m[0].Source, "app", "file"), host, filepath.Join(host, "sub", "f")} {
		if st := statOf(t, p); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s: owner %d:%d, want 0:0 (container 1000 under keep-id)", p, st.Uid, st.Gid)
		}
	}
	if st := statOf(t, filepath.Join(host, "sub", "f")); st.Mode&0o7777 != 0o4755 {
		t.Errorf("chown lost the set-uid bit: %o", st.Mode&0o7777)
	}
	if !slices.Contains(m[2].Options, "uid=1000") || !slices.Contains(m[2].Options, "gid=1000") {
		t.Errorf("tmpfs :U options %v", m[2].Options)
	}
	_, err = s.Mounts(specs, Target{RootFS: root, UID: 70000, UIDMap: keepID, GIDMap: keepID})
	if err == nil || err.Error() != "container user: uid 70000 is not mapped in the container's user namespace" {
		t.Fatalf("unmapped user: %v", err)
	}
}

func TestMountsErrors(t *testing.T) {
	s := newStore(t)
	dir := t.TempDir()
	specs, _, _ := mountflag.Parse(mountflag.Flags{Volumes: []string{"gone:/g", dir + ":/b"}})
	if _, err := s.Mounts(specs[:1], Target{}); err == nil || !strings.Contains(err.Error(), `-v "gone:/g": no such volume gone (removed since the container was created?)`) {
		t.Fatalf("missing volume: %v", err)
	}
	os.Remove(dir)
	if _, err := s.Mounts(specs[1:], Target{}); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Fatalf("missing bind source: %v", err)
	}
	anon := []mountflag.Spec{{Type: mountflag.TypeVolume, Destination: "/x", Anonymous: true, Origin: "-v /x"}}
	if _, err := s.Mounts(anon, Target{}); err == nil || !strings.Contains(err.Error(), "without volume.Store.Prepare") {
		t.Fatalf("unprepared anonymous volume: %v", err)
	}
}

func TestPrepare(t *testing.T) {
	s := newStore(t)
	if _, err := s.Create(CreateOptions{Name: "exists", Labels: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	specs, _, err := mountflag.Parse(mountflag.Flags{
		Volumes: []string{"exists:/a", "fresh:/b", "/c"},
		Mounts:  []string{"type=volume,dst=/d,volume-label=made=1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	specs = mountflag.AddImageVolumes(specs, []string{"/e", "/a"})
	out, undo, err := s.Prepare(specs)
	if err != nil {
		t.Fatal(err)
	}
	if specs[2].Source != "" {
		t.Fatal("Prepare changed its input")
	}
	for i, sp := range out {
		v, err := s.Get(sp.Source)
		if err != nil {
			t.Fatalf("%s: %v", sp.Destination, err)
		}
		if wantAnon := i >= 2; v.Anonymous != wantAnon || sp.Anonymous != wantAnon {
			t.Errorf("%s: anonymous %v/%v", sp.Destination, v.Anonymous, sp.Anonymous)
		}
	}
	if v, _ := s.Get(out[3].Source); v.Labels["made"] != "1" {
		t.Errorf("volume-label not applied: %v", v.Labels)
	}
	if len(out) != 5 || out[4].Destination != "/e" {
		t.Fatalf("specs %+v", out)
	}
	undo()
	got := names(t, s, Filters{})
	if len(got) != 1 || got[0] != "exists" {
		t.Fatalf("after undo: %v", got)
	}
	bad := []mountflag.Spec{{Type: mountflag.TypeVolume, Source: "x", Destination: "/x", Origin: "--mount x",
		VolumeOptions: map[string]string{"type": "nfs"}}}
	if _, _, err := s.Prepare(append(out[1:2:2], bad...)); err == nil || !errors.Is(err, ErrInvalid) ||
		!strings.HasPrefix(err.Error(), "--mount x: volume option type=nfs") {
		t.Fatalf("bad volume-opt: %v", err)
	}
	if got := names(t, s, Filters{}); len(got) != 1 {
		t.Fatalf("a failed Prepare left volumes: %v", got)
	}
}

func TestRemoveAnonymous(t *testing.T) {
	s := newStore(t)
	specs, _, _ := mountflag.Parse(mountflag.Flags{Volumes: []string{"named:/n", "/a1", "/a2"}})
	specs, _, err := s.Prepare(specs)
	if err != nil {
		t.Fatal(err)
	}
	shared := specs[2].Source
	s.Users = func(name string) ([]string, error) {
		if name == shared {
			return []string{"other"}, nil
		}
		return nil, nil
	}
	if err := s.RemoveAnonymous(specs); err != nil {
		t.Fatal(err)
	}
	got := names(t, s, Filters{})
	want := []string{"named", shared}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after rm -v: %v, want %v", got, want)
	}
}

// A volume with -o type=tmpfs is mounted when a container starts and unmounted when the last one stops.
func TestTmpfsVolume(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	v, err := s.Create(CreateOptions{Name: "t", Options: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m,nodev"}})
	if err != nil {
		t.Fatal(err)
	}
	specs, _, _ := mountflag.Parse(mountflag.Flags{Volumes: []string{"t:/t"}})
	if _, err := s.Mounts(specs, Target{RootFS: t.TempDir()}); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skip("cannot mount tmpfs here:", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.unmount() })
	if _, err := s.Mounts(specs, Target{RootFS: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(v.Mountpoint(), &st); err != nil || st.Type != 0x01021994 || st.Blocks*uint64(st.Bsize) != 1<<20 {
		t.Fatalf("not a 1m tmpfs: type %x size %d %v", st.Type, st.Blocks*uint64(st.Bsize), err)
	}
	if got, _ := s.Get("t"); got.MountCount != 2 {
		t.Fatalf("MountCount %d", got.MountCount)
	}
	if err := s.Release(specs); err != nil || !isMountpoint(v.Mountpoint()) {
		t.Fatalf("first release unmounted: %v", err)
	}
	if err := s.Release(specs); err != nil || isMountpoint(v.Mountpoint()) {
		t.Fatalf("last release kept the mount: %v", err)
	}
	if got, _ := s.Get("t"); got.MountCount != 0 {
		t.Fatalf("MountCount %d", got.MountCount)
	}
	// Removing a volume left mounted (a container killed without clean-up) unmounts it.
	if _, err := s.Mounts(specs, Target{RootFS: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("t", false); err != nil {
		t.Fatal(err)
	}
}

func TestLockedFlags(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC|syscall.MS_RDONLY, ""); err != nil {
		t.Skip("cannot mount a tmpfs here:", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	got := lockedFlags(dir, []string{"rw", "rbind"})
	if !slices.Equal(got, []string{"rbind", "nosuid", "nodev", "noexec", "ro"}) {
		t.Errorf("locked flags of a nosuid,nodev,noexec,ro mount: %v", got)
	}
	if got := lockedFlags(dir, []string{"ro", "exec"}); slices.Contains(got, "noexec") {
		t.Errorf("an explicit exec was overridden: %v", got)
	}
	if got := lockedFlags("/nonexistent", []string{"rw"}); !slices.Equal(got, []string{"rw"}) {
		t.Errorf("missing path: %v", got)
	}
}

// A copy-up killed half-way leaves the volume empty and NeedsCopyUp set; the next start copies again
// and clears the debris.
func TestCopyUpAfterKilledCopy(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	root := imageRootfs(t)
	specs, _, _ := mountflag.Parse(mountflag.Flags{Volumes: []string{"vol:/data"}})
	specs, _, err := s.Prepare(specs)
	if err != nil {
		t.Fatal(err)
	}
	debris := filepath.Join(s.Dir(), "vol", ".copyup")
	if err := os.MkdirAll(filepath.Join(debris, "app"), 0o700); err != nil {
		t.Fatal(err)
	}
	m, err := s.Mounts(specs, Target{RootFS: root})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(m[0].Source, "app", "file")); err != nil || string(b) != "hello\n" {
		t.Fatalf("copy after a killed copy: %q %v", b, err)
	}
	if _, err := os.Stat(debris); !os.IsNotExist(err) {
		t.Fatalf("debris left: %v", err)
	}
}
