package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// writeRootfs creates a root file system with the given files (relative path -> content).
func writeRootfs(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	testPasswd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnohome:x:1001:1001::/:/bin/sh\n"
	testGroup  = "root:x:0:\napp:x:1000:\nwheel:x:10:app,other\naudio:x:29:app\nstaff:x:50:\n"
)

func TestResolveUser(t *testing.T) {
	root := writeRootfs(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
	tests := []struct {
		spec string
		want User
		err  string
	}{
		{"", User{UID: 0, GID: 0, Home: "/root"}, ""},
		{"root", User{UID: 0, GID: 0, Home: "/root"}, ""},
		{"app", User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{10, 29}, Home: "/home/app"}, ""},
		{"1000", User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{10, 29}, Home: "/home/app"}, ""},
		{"app:staff", User{UID: 1000, GID: 50, Home: "/home/app"}, ""},
		{"app:4242", User{UID: 1000, GID: 4242, Home: "/home/app"}, ""},
		{"1000:wheel", User{UID: 1000, GID: 10, Home: "/home/app"}, ""},
		{"4242", User{UID: 4242, GID: 0, Home: "/"}, ""},
		{"4242:4343", User{UID: 4242, GID: 4343, Home: "/"}, ""},
		{"nohome", User{UID: 1001, GID: 1001, Home: "/"}, ""},
		{"nobody", User{}, "unable to find user nobody: no matching entries in passwd file"},
		{"app:nogroup", User{}, "unable to find group nogroup: no matching entries in group file"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ResolveUser(root, tt.spec)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("ResolveUser(%q): error %v, want %q", tt.spec, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ResolveUser(%q) = %+v, want %+v", tt.spec, got, tt.want)
			}
		})
	}
}

func TestResolveUserNoFiles(t *testing.T) {
	root := t.TempDir()
	if u, err := ResolveUser(root, ""); err != nil || !reflect.DeepEqual(u, User{Home: "/"}) {
		t.Errorf(`ResolveUser("") without /etc/passwd = %+v, %v; want root with HOME /`, u, err)
	}
	if u, err := ResolveUser(root, "123:456"); err != nil || u.UID != 123 || u.GID != 456 {
		t.Errorf(`ResolveUser("123:456") = %+v, %v`, u, err)
	}
	if _, err := ResolveUser(root, "app"); err == nil || !strings.Contains(err.Error(), "unable to find user app") {
		t.Errorf(`ResolveUser("app") without /etc/passwd: error %v`, err)
	}
}

// TestResolveUserSymlinks: symlinks in the image resolve inside the root file system, never to the
// host's files, whether absolute or climbing with "..".
func TestResolveUserSymlinks(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "passwd"), []byte("evil:x:0:0::/:/bin/sh\n"), 0o644)
	for name, target := range map[string]string{
		"absolute": filepath.Join(outside, "passwd"),
		"dotdot":   "../../../../../../../../" + filepath.Join(outside, "passwd"),
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "etc"), 0o755)
			if err := os.Symlink(target, filepath.Join(root, "etc/passwd")); err != nil {
				t.Fatal(err)
			}
			if u, err := ResolveUser(root, "evil"); err == nil {
				t.Fatalf("ResolveUser followed /etc/passwd -> %s out of the root: got %+v", target, u)
			}
		})
	}
	t.Run("inside", func(t *testing.T) {
		root := writeRootfs(t, map[string]string{"usr/lib/passwd": testPasswd})
		os.MkdirAll(filepath.Join(root, "etc"), 0o755)
		os.Symlink("/usr/lib/passwd", filepath.Join(root, "etc/passwd"))
		if u, err := ResolveUser(root, "app"); err != nil || u.UID != 1000 {
			t.Errorf("ResolveUser through an absolute symlink inside the root = %+v, %v", u, err)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "etc"), 0o755)
		if err := syscall.Mkfifo(filepath.Join(root, "etc/passwd"), 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if _, err := ResolveUser(root, "app"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("ResolveUser with a FIFO for /etc/passwd: error %v, want not a regular file", err)
		}
	})
}
