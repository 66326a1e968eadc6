package system

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeInfo is a FileInfo with a mode, for lstat.
type fakeInfo struct{ mode fs.FileMode }

func (f fakeInfo) Name() string       { return "f" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

// goodHost is a host with nothing to report for user alice (uid 1000).
func goodHost() (*probe, map[string]string, map[string]fs.FileMode) {
	files := map[string]string{
		"/proc/sys/user/max_user_namespaces": "15000\n",
		"/etc/subuid":                        "alice:100000:65536\n",
		"/etc/subgid":                        "alice:100000:65536\n",
		"/proc/1/comm":                       "systemd\n",
		"/proc/self/cgroup":                  "0::/user.slice/user-1000.slice/user@1000.service/app.slice\n",
	}
	modes := map[string]fs.FileMode{
		"/usr/bin/newuidmap":                  0o755 | fs.ModeSetuid,
		"/usr/bin/newgidmap":                  0o755 | fs.ModeSetuid,
		"/var/lib/systemd/linger/alice":       0o644,
		"/run/user/1000":                      0o700 | fs.ModeDir,
		"/home/alice/.local/share/containers": 0o700 | fs.ModeDir,
	}
	p := &probe{
		uid: 1000, userName: "alice",
		readFile: func(path string) ([]byte, error) {
			if s, ok := files[path]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		lstat: func(path string) (fs.FileInfo, error) {
			if m, ok := modes[path]; ok {
				return fakeInfo{m}, nil
			}
			return nil, fs.ErrNotExist
		},
		lookPath: func(name string) (string, error) { return "/usr/bin/" + name, nil },
		access:   func(string) error { return nil },
		hasCaps:  func(string) bool { return false },
		environ:  map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"},
		fsType:   func(string) (string, bool) { return "", false },
		statfs: func(string) (*unix.Statfs_t, error) {
			return &unix.Statfs_t{Bsize: 4096, Bavail: 1 << 22, Files: 1000, Ffree: 900}, nil
		},
		pauses:   func() []int { return []int{42} },
		cgroupV2: true,
	}
	return p, files, modes
}

func TestCheckHost(t *testing.T) {
	root := "/home/alice/.local/share/containers/storage"
	tests := []struct {
		name   string
		change func(p *probe, files map[string]string, modes map[string]fs.FileMode)
		want   []string // checks found, in order
		fix    string   // a fix text that must appear
	}{
		{"clean", func(*probe, map[string]string, map[string]fs.FileMode) {}, nil, ""},
		{"no user namespaces", func(_ *probe, f map[string]string, _ map[string]fs.FileMode) {
			f["/proc/sys/user/max_user_namespaces"] = "0\n"
			f["/proc/sys/kernel/unprivileged_userns_clone"] = "0\n"
			f["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1\n"
		}, []string{"max_user_namespaces", "unprivileged_userns_clone", "apparmor_userns"}, "sysctl -w user.max_user_namespaces"},
		{"no subids", func(_ *probe, f map[string]string, _ map[string]fs.FileMode) {
			f["/etc/subuid"] = "bob:100000:65536\n"
		}, []string{"subids"}, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice"},
		{"subids by uid", func(_ *probe, f map[string]string, _ map[string]fs.FileMode) {
			f["/etc/subuid"] = "1000:100000:65536\n"
		}, nil, ""},
		{"newuidmap without setuid", func(_ *probe, _ map[string]string, m map[string]fs.FileMode) {
			m["/usr/bin/newuidmap"] = 0o755
		}, []string{"newuidmap"}, "chmod u+s /usr/bin/newuidmap"},
		{"devices and tools missing", func(p *probe, _ map[string]string, _ map[string]fs.FileMode) {
			p.access = func(string) error { return unix.EACCES }
			p.lookPath = func(n string) (string, error) {
				if n == "runc" || n == "newuidmap" || n == "newgidmap" {
					return "/usr/bin/" + n, nil
				}
				return "", errors.New("not found")
			}
		}, []string{"fuse", "tun", "fuse-overlayfs", "slirp4netns", "pasta", "nft", "catatonit", "cgroups"}, "apt-get install passt"},
		{"crun on hybrid cgroups, no runc", func(p *probe, _ map[string]string, _ map[string]fs.FileMode) {
			p.crunNo = "hybrid"
			p.cgroupV2 = false
			p.lookPath = func(n string) (string, error) {
				if n == "runc" {
					return "", errors.New("not found")
				}
				return "/usr/bin/" + n, nil
			}
		}, []string{"crun", "cgroups"}, "apt-get install runc"},
		{"login node", func(p *probe, f map[string]string, _ map[string]fs.FileMode) {
			p.environ = map[string]string{}
			f["/proc/1/comm"] = "init\n"
			p.fsType = func(string) (string, bool) { return "NFS", true }
			p.statfs = func(string) (*unix.Statfs_t, error) {
				return &unix.Statfs_t{Bsize: 4096, Bavail: 10, Files: 1000, Ffree: 1}, nil
			}
			p.pauses = func() []int { return []int{42, 43} }
		}, []string{"xdg_runtime_dir", "systemd", "storage-fs", "storage-space", "storage-inodes", "pause"}, "PIDs 42, 43"},
		{"no lingering", func(_ *probe, _ map[string]string, m map[string]fs.FileMode) {
			delete(m, "/var/lib/systemd/linger/alice")
		}, []string{"linger"}, "loginctl enable-linger alice"},
		{"runtime dir of another mode", func(p *probe, _ map[string]string, _ map[string]fs.FileMode) {
			p.environ["XDG_RUNTIME_DIR"] = "/tmp/elsewhere"
		}, []string{"xdg_runtime_dir"}, "unset XDG_RUNTIME_DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, files, modes := goodHost()
			p.environ = map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}
			tt.change(p, files, modes)
			found := checkHost(p, root)
			var got []string
			var text strings.Builder
			for _, f := range found {
				got = append(got, f.Check)
				text.WriteString(f.Problem + " | " + f.Impact + " | " + f.Fix + "\n")
				if f.Problem == "" || f.Impact == "" || f.Fix == "" || (f.Who != "admin" && f.Who != "user") {
					t.Errorf("finding %s lacks a part: %+v", f.Check, f)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("checks = %v, want %v\n%s", got, tt.want, text.String())
			}
			if tt.fix != "" && !strings.Contains(text.String(), tt.fix) {
				t.Fatalf("findings lack %q:\n%s", tt.fix, text.String())
			}
		})
	}
}

// On the machine the tests run on, a probe of the real host never panics and every finding is complete.
func TestCheckHostReal(t *testing.T) {
	for _, f := range checkHost(defaultProbe(), os.TempDir()) {
		if f.Problem == "" || f.Fix == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}
}
