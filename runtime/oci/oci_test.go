package oci

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeHost makes the cgroup layout look hybrid with controllers on cgroup v2 (hybrid=true) or unified.
func fakeHost(t *testing.T, hybrid bool) {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "unified"), 0o755)
	os.WriteFile(filepath.Join(root, "unified/cgroup.controllers"), []byte("hugetlb\n"), 0o644)
	savedRoot, savedStatfs := cgroupRoot, statfsType
	cgroupRoot = root
	statfsType = func(p string) (int64, error) {
		switch {
		case !hybrid && p == root:
			return unix.CGROUP2_SUPER_MAGIC, nil
		case p == root:
			return unix.TMPFS_MAGIC, nil
		case p == filepath.Join(root, "unified"):
			return unix.CGROUP2_SUPER_MAGIC, nil
		}
		return 0, os.ErrNotExist
	}
	t.Cleanup(func() { cgroupRoot, statfsType = savedRoot, savedStatfs })
}

func TestCrunHybridRefusal(t *testing.T) {
	tests := []struct {
		name        string
		root        int64 // magic of /sys/fs/cgroup
		unified     int64 // magic of /sys/fs/cgroup/unified, 0 = missing
		controllers string
		refused     bool
	}{
		{"unified cgroup v2", unix.CGROUP2_SUPER_MAGIC, 0, "", false},
		{"legacy v1", unix.TMPFS_MAGIC, 0, "", false},
		{"legacy v1 with an unified dir that is not cgroup2", unix.TMPFS_MAGIC, unix.TMPFS_MAGIC, "hugetlb\n", false},
		{"hybrid without v2 controllers", unix.TMPFS_MAGIC, unix.CGROUP2_SUPER_MAGIC, "", false},
		{"hybrid with v2 controllers (this test machine)", unix.TMPFS_MAGIC, unix.CGROUP2_SUPER_MAGIC, "hugetlb\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "unified"), 0o755)
			os.WriteFile(filepath.Join(root, "unified/cgroup.controllers"), []byte(tt.controllers), 0o644)
			savedRoot, savedStatfs := cgroupRoot, statfsType
			t.Cleanup(func() { cgroupRoot, statfsType = savedRoot, savedStatfs })
			cgroupRoot = root
			statfsType = func(p string) (int64, error) {
				if p == root {
					return tt.root, nil
				}
				if tt.unified == 0 {
					return 0, os.ErrNotExist
				}
				return tt.unified, nil
			}
			got := crunHybridRefusal()
			if (got != "") != tt.refused {
				t.Errorf("crunHybridRefusal() = %q, want refused=%v", got, tt.refused)
			}
			if tt.refused && !strings.Contains(got, "hybrid mode") {
				t.Errorf("crunHybridRefusal() = %q, want it to name hybrid mode", got)
			}
		})
	}
}

// crun on a hybrid host is refused as root, and used rootless with the cgroup2 hierarchy hidden.
func TestCrunHiddenCgroup2(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "unified"), 0o755)
	os.WriteFile(filepath.Join(root, "unified/cgroup.controllers"), []byte("hugetlb\n"), 0o644)
	savedRoot, savedStatfs, savedRootless := cgroupRoot, statfsType, rootless
	t.Cleanup(func() { cgroupRoot, statfsType, rootless = savedRoot, savedStatfs, savedRootless })
	cgroupRoot = root
	statfsType = func(p string) (int64, error) {
		if p == root {
			return unix.TMPFS_MAGIC, nil
		}
		return unix.CGROUP2_SUPER_MAGIC, nil
	}
	for _, tt := range []struct {
		rootless, refused, hidden bool
	}{{false, true, false}, {true, false, true}} {
		rootless = func() bool { return tt.rootless }
		crun := &Runtime{Name: "crun", kind: kindCrun}
		if got := crun.refusal(); (got != "") != tt.refused || crun.HidesCgroup2() != tt.hidden {
			t.Errorf("rootless=%v: refusal %q, hides cgroup2 %v; want refused=%v hidden=%v", tt.rootless, got, crun.HidesCgroup2(), tt.refused, tt.hidden)
		}
		runc := &Runtime{Name: "runc", kind: kindRunc}
		if runc.refusal() != "" || runc.HidesCgroup2() {
			t.Errorf("rootless=%v: runc refused or hidden", tt.rootless)
		}
	}
}

func TestCommands(t *testing.T) {
	runc := &Runtime{Name: "runc", Path: "/usr/sbin/runc", StateRoot: "/run/user/1001/skiff/runc", kind: kindRunc}
	crun := &Runtime{Name: "crun", Path: "/usr/bin/crun", StateRoot: "/run/user/1001/skiff/crun", kind: kindCrun}
	crunRoot := &Runtime{Name: "crun", Path: "/usr/bin/crun", StateRoot: "/run/skiff/crun", kind: kindCrun, cgroups: true}
	tests := []struct {
		name string
		got  []string
		want string
	}{
		{"runc global", runc.GlobalArgs(), "--root /run/user/1001/skiff/runc"},
		{"crun global rootless", crun.GlobalArgs(), "--root /run/user/1001/skiff/crun --cgroup-manager=disabled"},
		{"crun global with cgroups", crunRoot.GlobalArgs(), "--root /run/skiff/crun"},
		{"runc create", runc.CreateCommand("/b", "c1", "/b/pid", "", 0),
			"/usr/sbin/runc --root /run/user/1001/skiff/runc --log=/b/oci-log --log-format=json create --bundle /b --pid-file /b/pid c1"},
		{"crun create with console and fds", crun.CreateCommand("/b", "c1", "/b/pid", "/b/console.sock", 2),
			"/usr/bin/crun --root /run/user/1001/skiff/crun --cgroup-manager=disabled --log=/b/oci-log --log-format=json create --bundle /b --pid-file /b/pid --console-socket /b/console.sock --preserve-fds 2 c1"},
		{"runc exec", runc.ExecCommand("c1", "/b/exec/e1.json", "/b/exec/e1.pid", "", false),
			"/usr/sbin/runc --root /run/user/1001/skiff/runc --log=/b/exec/e1.oci-log --log-format=json exec --process /b/exec/e1.json --pid-file /b/exec/e1.pid c1"},
		{"crun exec detached with a terminal", crun.ExecCommand("c1", "/b/e1.json", "", "/b/e1.sock", true),
			"/usr/bin/crun --root /run/user/1001/skiff/crun --cgroup-manager=disabled --log=/b/e1.oci-log --log-format=json exec --process /b/e1.json --console-socket /b/e1.sock --detach c1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.got, " "); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRuntimeMessage(t *testing.T) {
	tests := []struct {
		name, stderr, want string
	}{
		{"runc text", `time="2026-11-22T20:40:26Z" level=error msg="container not running"` + "\n", "container not running"},
		{"runc text with quotes", `time="x" level=error msg="exec: \"/bin/x\": stat /bin/x: no such file"`, `exec: "/bin/x": stat /bin/x: no such file`},
		{"runc json and its plain repeat", `{"level":"error","msg":"container does not exist","time":"x"}` + "\ncontainer does not exist\n", "container does not exist"},
		{"warnings lose to errors", `time="x" level=warning msg="cannot toggle freezer: cgroups not configured for container"` + "\n" +
			`time="x" level=error msg="lstat : no such file or directory"`, "lstat : no such file or directory"},
		{"only warnings", `time="x" level=warning msg="runc pause may fail"`, "runc pause may fail"},
		{"crun plain", "error opening file `/run/crun/c1/status`: No such file or directory\n", "error opening file `/run/crun/c1/status`: No such file or directory"},
		{"crun json", `{"msg":"kill container: No such process","level":"error","time":"x"}`, "kill container: No such process"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runtimeMessage([]byte(tt.stderr)); got != tt.want {
				t.Errorf("runtimeMessage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogError(t *testing.T) {
	f := filepath.Join(t.TempDir(), "oci-log")
	os.WriteFile(f, []byte(`{"level":"warning","msg":"w"}`+"\n"+`{"level":"error","msg":"runc create failed: unable to start container process: exec: \"/nope\": stat /nope: no such file or directory","time":"x"}`+"\n"), 0o644)
	if got := LogError(f); !strings.Contains(got, `exec: "/nope": stat /nope`) {
		t.Errorf("LogError = %q", got)
	}
	if got := LogError(filepath.Join(t.TempDir(), "missing")); got != "" {
		t.Errorf("LogError(missing) = %q, want empty", got)
	}
	if got := ExecLogFile("/c/exec/abc.json"); got != "/c/exec/abc.oci-log" {
		t.Errorf("ExecLogFile = %q", got)
	}
}

// writeConf writes a containers.conf and returns its path.
func writeConf(t *testing.T, dir, body string) string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, "containers.conf")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfiguredRuntime(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONTAINERS_CONF_OVERRIDE", "")
	t.Run("CONTAINERS_CONF", func(t *testing.T) {
		t.Setenv("CONTAINERS_CONF", writeConf(t, filepath.Join(dir, "a"), "[engine]\nruntime = \"runc\"\n"))
		if got, err := ConfiguredRuntime(); err != nil || got != "runc" {
			t.Errorf("ConfiguredRuntime() = %q, %v; want runc", got, err)
		}
	})
	t.Run("override wins", func(t *testing.T) {
		t.Setenv("CONTAINERS_CONF", writeConf(t, filepath.Join(dir, "b"), "[engine]\nruntime = \"runc\"\n"))
		t.Setenv("CONTAINERS_CONF_OVERRIDE", writeConf(t, filepath.Join(dir, "c"), "[engine]\nruntime = \"crun\"\n"))
		if got, err := ConfiguredRuntime(); err != nil || got != "crun" {
			t.Errorf("ConfiguredRuntime() = %q, %v; want crun", got, err)
		}
	})
	t.Run("user file over system files", func(t *testing.T) {
		t.Setenv("CONTAINERS_CONF", "")
		cfg := filepath.Join(dir, "xdg")
		writeConf(t, filepath.Join(cfg, "containers"), "[engine]\nruntime = \"/opt/bin/runc\"\n[engine.runtimes]\nkrun = [\"/opt/krun\"]\n")
		t.Setenv("XDG_CONFIG_HOME", cfg)
		name, _, paths, err := loadConf()
		if err != nil || name != "/opt/bin/runc" || !slices.Equal(paths["krun"], []string{"/opt/krun"}) {
			t.Errorf("loadConf() = %q, %v, %v", name, paths, err)
		}
	})
	t.Run("missing CONTAINERS_CONF", func(t *testing.T) {
		t.Setenv("CONTAINERS_CONF", filepath.Join(dir, "nope.conf"))
		if _, err := ConfiguredRuntime(); err == nil {
			t.Error("ConfiguredRuntime() with a missing $CONTAINERS_CONF: no error")
		}
	})
	t.Run("malformed", func(t *testing.T) {
		t.Setenv("CONTAINERS_CONF", writeConf(t, filepath.Join(dir, "d"), "[engine\nruntime="))
		if _, err := ConfiguredRuntime(); err == nil || !strings.Contains(err.Error(), "containers.conf") {
			t.Errorf("ConfiguredRuntime() with a malformed file: %v", err)
		}
	})
}

// fakeBins puts executable scripts named like runtimes in a directory that becomes the only place Find looks.
func fakeBins(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\necho \""+n+" version 9.9\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	saved := searchDirs
	searchDirs = nil
	t.Cleanup(func() { searchDirs = saved })
	t.Setenv("CONTAINERS_CONF", os.DevNull)
	t.Setenv("CONTAINERS_CONF_OVERRIDE", "")
	return dir
}

func TestFind(t *testing.T) {
	tests := []struct {
		name    string
		bins    []string
		hybrid  bool
		conf    string // containers.conf body
		runtime string
		want    string // runtime name, or "" for an error
		err     error
		errText string
	}{
		{"auto prefers crun", []string{"crun", "runc"}, false, "", "", "crun", nil, ""},
		{"auto skips crun on a hybrid host", []string{"crun", "runc"}, true, "", "", "runc", nil, ""},
		{"auto with runc only", []string{"runc"}, false, "", "", "runc", nil, ""},
		{"explicit crun on a hybrid host", []string{"crun", "runc"}, true, "", "crun", "", ErrUnusable, "crun (--runtime crun): the host's cgroups are in hybrid mode"},
		{"explicit runc", []string{"crun", "runc"}, false, "", "runc", "runc", nil, ""},
		{"configured crun on a hybrid host", []string{"crun", "runc"}, true, "[engine]\nruntime = \"crun\"\n", "", "", ErrUnusable, "use --runtime runc"},
		{"--runtime beats containers.conf", []string{"crun", "runc"}, true, "[engine]\nruntime = \"crun\"\n", "runc", "runc", nil, ""},
		{"missing", []string{"runc"}, false, "", "youki", "", ErrNotFound, `OCI runtime "youki": not in $PATH`},
		{"none at all", nil, false, "", "", "", ErrNotFound, "no usable OCI runtime"},
		{"relative path", []string{"runc"}, false, "", "bin/runc", "", ErrNotFound, "a path must be absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeHost(t, tt.hybrid)
			fakeBins(t, tt.bins...)
			if tt.conf != "" {
				t.Setenv("CONTAINERS_CONF", writeConf(t, t.TempDir(), tt.conf))
			}
			r, err := Find(tt.runtime, "/state")
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Find(%q): error %v, want %v containing %q", tt.runtime, err, tt.err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tt.want || filepath.Base(r.Path) != tt.want || r.StateRoot != "/state" {
				t.Errorf("Find(%q) = %+v, want %s", tt.runtime, r, tt.want)
			}
			if v := r.Version(); v != tt.want+" version 9.9" {
				t.Errorf("Version() = %q", v)
			}
		})
	}

	t.Run("absolute path and conf paths", func(t *testing.T) {
		fakeHost(t, false)
		dir := fakeBins(t, "runc-1.2")
		r, err := Find(filepath.Join(dir, "runc-1.2"), "")
		if err != nil || r.Name != "runc-1.2" || r.kind != kindRunc || !strings.HasSuffix(r.StateRoot, "/skiff/runc-1.2") {
			t.Errorf("Find(path) = %+v, %v", r, err)
		}
		t.Setenv("CONTAINERS_CONF", writeConf(t, t.TempDir(), "[engine.runtimes]\nmyrunc = [\"/nonexistent/runc\", \""+filepath.Join(dir, "runc-1.2")+"\"]\n"))
		r, err = Find("myrunc", "/s")
		if err != nil || r.Path != filepath.Join(dir, "runc-1.2") || r.Name != "myrunc" {
			t.Errorf("Find(myrunc) from [engine.runtimes] = %+v, %v", r, err)
		}
	})
}
