package spec

import (
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// keepIDMaps is the keep-id mapping of uid 1002 in a namespace with 65536 subordinate IDs.
var keepIDMaps = []rspec.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 1002}, {ContainerID: 1002, HostID: 0, Size: 1},
	{ContainerID: 1003, HostID: 1003, Size: 64534}}

func devptsOptions(s *rspec.Spec) []string {
	for _, m := range s.Mounts {
		if m.Destination == "/dev/pts" {
			return m.Options
		}
	}
	return nil
}

func TestIDMappings(t *testing.T) {
	base := Options{RootFS: "/r", Args: []string{"sh"}}

	s, err := Generate(base)
	if err != nil {
		t.Fatal(err)
	}
	if s.Linux.UIDMappings != nil || slices.ContainsFunc(s.Linux.Namespaces, func(n rspec.LinuxNamespace) bool { return n.Type == rspec.UserNamespace }) {
		t.Fatal("the default spec has a user namespace")
	}

	o := base
	o.User = User{UID: 1002, GID: 1002, AdditionalGIDs: []uint32{5}}
	o.IDMappings = IDMappings{UIDs: keepIDMaps, GIDs: keepIDMaps}
	s, err = Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	var userNS int
	for _, n := range s.Linux.Namespaces {
		if n.Type == rspec.UserNamespace {
			userNS++
			if n.Path != "" {
				t.Errorf("user namespace with a path %q", n.Path)
			}
		}
	}
	if userNS != 1 || !reflect.DeepEqual(s.Linux.UIDMappings, keepIDMaps) || !reflect.DeepEqual(s.Linux.GIDMappings, keepIDMaps) {
		t.Fatalf("namespaces %+v uid maps %+v", s.Linux.Namespaces, s.Linux.UIDMappings)
	}
	if s.Process.User.UID != 1002 || !slices.Contains(devptsOptions(s), "gid=5") {
		t.Fatalf("user %+v devpts %v", s.Process.User, devptsOptions(s))
	}

	// A mapping without GID 5 (here: only the user) drops gid=5 from /dev/pts.
	o = base
	o.User = User{UID: 1002, GID: 1002}
	one := []rspec.LinuxIDMapping{{ContainerID: 1002, HostID: 0, Size: 1}}
	o.IDMappings = IDMappings{UIDs: one, GIDs: one}
	if s, err = Generate(o); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(devptsOptions(s), "gid=5") {
		t.Fatalf("devpts keeps gid=5 without GID 5 mapped: %v", devptsOptions(s))
	}

	for _, tt := range []struct {
		user User
		maps IDMappings
		want string
	}{
		{User{UID: 0}, IDMappings{UIDs: one, GIDs: one}, "user namespace: the process's uid 0 is not mapped in the container (check --user and --uidmap)"},
		{User{UID: 1002, GID: 7}, IDMappings{UIDs: one, GIDs: one}, "user namespace: the process's gid 7 is not mapped"},
		{User{UID: 1002, GID: 1002, AdditionalGIDs: []uint32{10}}, IDMappings{UIDs: one, GIDs: one}, "gid 10 is not mapped in the container (check --user, --group-add and --gidmap)"},
		{User{UID: 1002}, IDMappings{UIDs: one}, "user namespace: give both UID and GID mappings"},
	} {
		o := base
		o.User, o.IDMappings = tt.user, tt.maps
		if _, err := Generate(o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Generate(%+v, %+v): %v, want %q", tt.user, tt.maps, err, tt.want)
		}
	}
}

func TestAddAccount(t *testing.T) {
	a := Account{Name: "skiff-test", Group: "skiff-test", UID: 1002, GID: 1002, Gecos: "Skiff Test", Home: "/home/skiff-test"}
	wantPasswd := testPasswd + "skiff-test:*:1002:1002:Skiff Test:/home/skiff-test:/bin/sh\n"
	wantGroup := testGroup + "skiff-test:x:1002:skiff-test\n"

	t.Run("in place", func(t *testing.T) {
		root := writeRootfs(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
		m, err := AddAccount(root, a, "")
		if err != nil || m != nil {
			t.Fatalf("AddAccount: %v %v", m, err)
		}
		// Twice is once: the UID and GID are known now.
		if _, err := AddAccount(root, a, ""); err != nil {
			t.Fatal(err)
		}
		for f, want := range map[string]string{"etc/passwd": wantPasswd, "etc/group": wantGroup} {
			if b, _ := os.ReadFile(filepath.Join(root, f)); string(b) != want {
				t.Errorf("%s =\n%s\nwant\n%s", f, b, want)
			}
		}
		u, err := ResolveUser(root, "1002")
		if err != nil || u.Home != "/home/skiff-test" || u.GID != 1002 {
			t.Fatalf("ResolveUser after AddAccount: %+v %v", u, err)
		}
	})

	t.Run("read-only copies", func(t *testing.T) {
		root := writeRootfs(t, map[string]string{"etc/passwd": strings.TrimSuffix(testPasswd, "\n"), "etc/group": testGroup})
		dir := t.TempDir()
		m, err := AddAccount(root, a, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m[0].Destination != "/etc/passwd" || m[0].Source != filepath.Join(dir, "passwd") || m[1].Destination != "/etc/group" {
			t.Fatalf("mounts %+v", m)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "passwd")); string(b) != wantPasswd {
			t.Errorf("passwd copy =\n%s", b)
		}
		if b, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); string(b) != strings.TrimSuffix(testPasswd, "\n") {
			t.Errorf("the image's passwd changed:\n%s", b)
		}
	})

	t.Run("uid known", func(t *testing.T) {
		root := writeRootfs(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
		known := a
		known.UID, known.GID = 1000, 1000
		if _, err := AddAccount(root, known, ""); err != nil {
			t.Fatal(err)
		}
		for f, want := range map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup} {
			if b, _ := os.ReadFile(filepath.Join(root, f)); string(b) != want {
				t.Errorf("%s changed:\n%s", f, b)
			}
		}
	})

	t.Run("no files, symlink out", func(t *testing.T) {
		root := writeRootfs(t, map[string]string{"etc/.keep": ""})
		outside := filepath.Join(t.TempDir(), "passwd")
		os.WriteFile(outside, []byte("x:x:1:1::/:/bin/sh\n"), 0o644)
		os.Symlink(outside, filepath.Join(root, "etc/passwd"))
		if _, err := AddAccount(root, a, ""); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(outside); string(b) != "x:x:1:1::/:/bin/sh\n" {
			t.Fatalf("a symlink in the image led AddAccount out of the root: %q", b)
		}
		if b, _ := os.ReadFile(filepath.Join(root, "etc/group")); string(b) != "skiff-test:x:1002:skiff-test\n" {
			t.Fatalf("created group file %q", b)
		}
		if _, err := AddAccount(writeRootfs(t, map[string]string{"bin/.keep": ""}), a, ""); err != nil {
			t.Fatalf("an image without /etc: %v", err)
		}
	})

	bad := a
	bad.Gecos = "a:b"
	if _, err := AddAccount(t.TempDir(), bad, ""); err == nil {
		t.Fatal("a gecos with ':' was accepted")
	}
}

func TestKeepIDAccount(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Skip("no passwd entry for the test's user:", err)
	}
	uid, _ := strconv.Atoi(me.Uid)
	gid, _ := strconv.Atoi(me.Gid)
	a := KeepIDAccount(uid, gid, 4242, 4343, nil, "/work")
	if a.Name != me.Username || a.UID != 4242 || a.GID != 4343 || a.Home != "/work" || a.Gecos != me.Name {
		t.Fatalf("account %+v", a)
	}
	if g, err := user.LookupGroupId(me.Gid); err == nil && a.Group != g.Name {
		t.Errorf("group %q, want %q", a.Group, g.Name)
	}
	if a := KeepIDAccount(uid, gid, 1, 1, nil, ""); a.Home != "/" {
		t.Errorf("no workdir: home %q", a.Home)
	}
	if me.HomeDir != "/" {
		mountsList := [][]string{{me.HomeDir}}
		if parent := filepath.Dir(me.HomeDir); parent != "/" {
			mountsList = append(mountsList, []string{parent})
		}
		for _, mounts := range mountsList {
			if a := KeepIDAccount(uid, gid, 1, 1, mounts, "/work"); a.Home != me.HomeDir {
				t.Errorf("home mounted at %v: home %q", mounts, a.Home)
			}
		}
	}
	if a := KeepIDAccount(1<<30, 1<<30, 1, 1, nil, ""); a.Name != "user"+strconv.Itoa(1<<30) && a.Name != os.Getenv("USER") {
		t.Errorf("unknown user: %+v", a)
	}
}

func TestResolveGroups(t *testing.T) {
	root := writeRootfs(t, map[string]string{"etc/group": testGroup})
	got, err := ResolveGroups(root, []string{"wheel", "4242", "staff"})
	if err != nil || !reflect.DeepEqual(got, []uint32{10, 4242, 50}) {
		t.Fatalf("ResolveGroups = %v %v", got, err)
	}
	if _, err := ResolveGroups(root, []string{"nope"}); err == nil || err.Error() != "--group-add nope: no group of that name in the image's /etc/group (use a number)" {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := ResolveGroups(root, []string{"wheel", KeepGroups}); err == nil {
		t.Fatal("keep-groups among groups accepted")
	}
}

func TestCheckKeepGroups(t *testing.T) {
	if err := CheckKeepGroups("/usr/bin/crun", []string{KeepGroups}); err != nil {
		t.Fatal(err)
	}
	if err := CheckKeepGroups("/usr/sbin/runc", []string{KeepGroups}); err == nil ||
		err.Error() != "--group-add keep-groups needs the crun runtime (runtime runc always replaces the supplementary groups): use --runtime crun" {
		t.Fatalf("runc: %v", err)
	}
	if err := CheckKeepGroups("crun", []string{KeepGroups, "10"}); err == nil {
		t.Fatal("keep-groups with another group accepted")
	}
}
