package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// pinHost replaces what Generate reads from the host with fixed values, so golden files do not depend
// on the machine: the bounding set, the rlimits, the devices and /dev/mqueue.
func pinHost(t *testing.T) {
	t.Helper()
	saved := []func(){}
	pin := func(restore func()) { saved = append(saved, restore) }
	b, g, c, d, m := boundingSet, getrlimit, canRaiseHardLimits, hostDevices, hostHasMqueue
	pin(func() { boundingSet, getrlimit, canRaiseHardLimits, hostDevices, hostHasMqueue = b, g, c, d, m })
	boundingSet = func() ([]string, error) {
		return []string{"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
			"CAP_MKNOD", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID",
			"CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_CHROOT"}, nil
	}
	getrlimit = func(res int) (unix.Rlimit, error) {
		switch res {
		case unix.RLIMIT_NOFILE:
			return unix.Rlimit{Cur: 1024, Max: 524288}, nil
		case unix.RLIMIT_NPROC:
			return unix.Rlimit{Cur: 63000, Max: 63000}, nil
		case unix.RLIMIT_CORE:
			return unix.Rlimit{Cur: 0, Max: unix.RLIM_INFINITY}, nil
		}
		return unix.Rlimit{Cur: 8192, Max: 8192}, nil
	}
	canRaiseHardLimits = func() bool { return false }
	hostDevices = func() ([]string, error) {
		return []string{"/dev/null", "/dev/fuse", "/dev/ptmx", "/dev/tty", "/dev/tty0", "/dev/net/tun"}, nil
	}
	hostHasMqueue = func() bool { return true }
	t.Cleanup(func() {
		for _, f := range saved {
			f()
		}
	})
}

// goldenJSON renders a spec for a golden file. The seccomp rules are elided: moby's profile changes
// with its version and is specialised to the running kernel; tests below check it separately.
func goldenJSON(t *testing.T, s *rspec.Spec) []byte {
	t.Helper()
	c := *s
	if s.Linux != nil && s.Linux.Seccomp != nil {
		l := *s.Linux
		sc := *s.Linux.Seccomp
		sc.Syscalls = []rspec.LinuxSyscall{{Names: []string{"(moby default profile: rules elided)"}}}
		l.Seccomp = &sc
		c.Linux = &l
	}
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestGenerateGolden(t *testing.T) {
	pinHost(t)
	base := func(mod func(*Options)) Options {
		o := Options{
			RootFS:   "/var/lib/skiff/c1/merged",
			Args:     []string{"/bin/sh", "-c", "echo hi"},
			Env:      []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"},
			User:     User{Home: "/root"},
			Hostname: "4f3a9c2b1d0e",
		}
		if mod != nil {
			mod(&o)
		}
		return o
	}
	tests := []struct {
		name string
		opts Options
	}{
		{"default", base(nil)},
		{"user", base(func(o *Options) {
			o.User = User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{10}, Home: "/home/app"}
			o.CapAdd = []string{"net_raw"}
			o.Cwd = "/home/app"
		})},
		{"host-namespaces", base(func(o *Options) {
			o.Hostname = ""
			o.Namespaces = Namespaces{Net: "host", IPC: "host", UTS: "host", PID: "host"}
		})},
		{"pod-member", base(func(o *Options) {
			o.Hostname = ""
			o.Namespaces = Namespaces{Net: "/proc/4242/ns/net", IPC: "/proc/4242/ns/ipc", UTS: "/proc/4242/ns/uts"}
		})},
		{"readonly-init-terminal", base(func(o *Options) {
			o.ReadOnly = true
			o.Init = "/bin/sh" // any existing file stands in for catatonit
			o.Terminal = true
			o.ShmSize = 256 << 20
			o.SingleMapping = true
			o.Annotations = map[string]string{"org.opencontainers.image.stopSignal": "SIGQUIT"}
		})},
		{"privileged", base(func(o *Options) {
			o.Privileged = true
			o.CapDrop = []string{"sys_admin"}
		})},
		{"security-opts", base(func(o *Options) {
			o.SecurityOpts = []string{"no-new-privileges", "seccomp=unconfined", "mask=/proc/cpuinfo:/sys/class",
				"unmask=/proc/kcore:/proc/sys", "proc-opts=hidepid=2", "label=disable", "apparmor=unconfined"}
			o.CapDrop = []string{"ALL"}
			o.CapAdd = []string{"CAP_NET_BIND_SERVICE"}
			o.Ulimits = []string{"nofile=1024:2048", "core=-1", "nproc=100"}
		})},
		{"caller-mounts", base(func(o *Options) {
			o.Mounts = []rspec.Mount{
				{Destination: "/data", Type: "bind", Source: "/home/u/data", Options: []string{"rbind", "rw"}},
				{Destination: "/dev/shm", Type: "bind", Source: "/run/user/1001/skiff/pod/shm", Options: []string{"rbind"}},
				{Destination: "/etc/hosts", Type: "bind", Source: "/run/user/1001/skiff/c1/hosts", Options: []string{"bind", "ro"}},
			}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Generate(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenJSON(t, s)
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("spec differs from %s (go test -update rewrites it); got:\n%s", path, got)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	pinHost(t)
	ok := Options{RootFS: "/r", Args: []string{"true"}}
	tests := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"relative rootfs", func(o *Options) { o.RootFS = "r" }, `root file system "r": not an absolute path`},
		{"no command", func(o *Options) { o.Args = nil }, "no command specified"},
		{"relative cwd", func(o *Options) { o.Cwd = "tmp" }, `working directory "tmp"`},
		{"bad env", func(o *Options) { o.Env = []string{"JUSTNAME"} }, `environment variable "JUSTNAME": want NAME=VALUE`},
		{"hostname with host uts", func(o *Options) { o.Hostname = "h"; o.Namespaces.UTS = "host" }, "cannot set the hostname of a shared UTS namespace"},
		{"bad namespace", func(o *Options) { o.Namespaces.Net = "bridge" }, `network namespace "bridge": want private, host or the path`},
		{"unknown cap", func(o *Options) { o.CapAdd = []string{"CAP_FLY"} }, `cap-add "CAP_FLY": unknown capability`},
		{"add and drop", func(o *Options) { o.CapAdd = []string{"kill"}; o.CapDrop = []string{"CAP_KILL"} }, "CAP_KILL cannot be both added and dropped"},
		{"all and all", func(o *Options) { o.CapAdd = []string{"all"}; o.CapDrop = []string{"ALL"} }, "cannot be combined"},
		{"bad security opt", func(o *Options) { o.SecurityOpts = []string{"seccomp-profile=x"} }, `invalid security-opt "seccomp-profile=x": unknown option "seccomp-profile"`},
		{"apparmor profile", func(o *Options) { o.SecurityOpts = []string{"apparmor=docker-default"} }, `invalid security-opt "apparmor=docker-default"`},
		{"selinux label", func(o *Options) { o.SecurityOpts = []string{"label=type:spc_t"} }, "SELinux labels are not supported"},
		{"relative mask", func(o *Options) { o.SecurityOpts = []string{"mask=proc/x"} }, `"proc/x" is not an absolute path`},
		{"bad nnp", func(o *Options) { o.SecurityOpts = []string{"no-new-privileges=maybe"} }, "want true or false"},
		{"missing seccomp file", func(o *Options) { o.SecurityOpts = []string{"seccomp=/nonexistent.json"} }, "seccomp profile: open /nonexistent.json"},
		{"bad ulimit name", func(o *Options) { o.Ulimits = []string{"files=10"} }, `invalid ulimit "files=10": unknown limit "files"`},
		{"bad ulimit value", func(o *Options) { o.Ulimits = []string{"nofile=many"} }, `invalid ulimit "nofile=many": "many" is not a number`},
		{"ulimit soft above hard", func(o *Options) { o.Ulimits = []string{"nofile=20:10"} }, "soft limit 20 is above the hard limit 10"},
		{"ulimit above hard limit", func(o *Options) { o.Ulimits = []string{"nofile=1048576:1048576"} }, "exceeds the current hard limit 524288"},
		{"relative init", func(o *Options) { o.Init = "catatonit" }, `init binary "catatonit": not an absolute path`},
		{"missing init", func(o *Options) { o.Init = "/nonexistent/catatonit" }, "init binary: stat /nonexistent/catatonit"},
		{"relative mount", func(o *Options) { o.Mounts = []rspec.Mount{{Destination: "data", Source: "/d"}} }, `mount /d on "data"`},
		{"negative shm", func(o *Options) { o.ShmSize = -1 }, "shm size -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.mod(&o)
			_, err := Generate(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate: got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	pinHost(t)
	all, _ := boundingSet()
	rest := []string{"CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"}
	tests := []struct {
		name string
		opts Options
		// effective is also the expected permitted set
		bounding, effective, ambient []string
	}{
		{"root default", Options{}, defaultCaps, defaultCaps, nil},
		{"non-root default: bounding only", Options{User: User{UID: 1000}}, defaultCaps, nil, nil},
		{"any case, with or without CAP_", Options{CapAdd: []string{"net_admin"}, CapDrop: []string{"Kill", "CAP_CHOWN"}}, rest, rest, nil},
		{"drop all", Options{CapDrop: []string{"all"}}, nil, nil, nil},
		{"drop all add one", Options{CapDrop: []string{"ALL"}, CapAdd: []string{"chown"}}, []string{"CAP_CHOWN"}, []string{"CAP_CHOWN"}, nil},
		{"non-root: an explicit add is effective and ambient", Options{User: User{UID: 1000}, CapAdd: []string{"NET_RAW"}},
			append(slices.Clone(defaultCaps[:6]), append([]string{"CAP_NET_RAW"}, defaultCaps[6:]...)...), []string{"CAP_NET_RAW"}, []string{"CAP_NET_RAW"}},
		{"add all", Options{CapAdd: []string{"ALL"}, CapDrop: []string{"mknod"}}, without(all, "CAP_MKNOD"), without(all, "CAP_MKNOD"), nil},
		{"privileged", Options{Privileged: true}, all, all, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Capabilities(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, set := range []struct {
				name      string
				got, want []string
			}{
				{"bounding", c.Bounding, tt.bounding}, {"effective", c.Effective, tt.effective}, {"permitted", c.Permitted, tt.effective},
				{"ambient", c.Ambient, tt.ambient},
			} {
				if len(set.got) != 0 || len(set.want) != 0 {
					if !slices.Equal(set.got, set.want) {
						t.Errorf("%s = %v, want %v", set.name, set.got, set.want)
					}
				}
			}
			if tt.opts.User.UID == 0 && len(c.Inheritable) != 0 {
				t.Errorf("inheritable = %v, want none for root", c.Inheritable)
			}
		})
	}
	if got := DefaultCapabilities(); len(got) != 11 || !slices.IsSorted(got) {
		t.Errorf("DefaultCapabilities() = %v, want Podman's 11, sorted", got)
	}
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}

func TestSeccompProfile(t *testing.T) {
	pinHost(t)
	names := func(s *rspec.Spec) []string {
		var n []string
		for _, c := range s.Linux.Seccomp.Syscalls {
			if c.Action == rspec.ActAllow {
				n = append(n, c.Names...)
			}
		}
		return n
	}
	def, err := Generate(Options{RootFS: "/r", Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if def.Linux.Seccomp == nil || def.Linux.Seccomp.DefaultAction != rspec.ActErrno {
		t.Fatalf("default seccomp = %+v, want moby's profile (default action errno)", def.Linux.Seccomp)
	}
	if !slices.Contains(names(def), "read") || slices.Contains(names(def), "mount") {
		t.Errorf("default profile should allow read and not mount without CAP_SYS_ADMIN")
	}
	admin, err := Generate(Options{RootFS: "/r", Args: []string{"true"}, CapAdd: []string{"SYS_ADMIN"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names(admin), "mount") {
		t.Errorf("with CAP_SYS_ADMIN the profile should allow mount")
	}

	dir := t.TempDir()
	custom := filepath.Join(dir, "p.json")
	os.WriteFile(custom, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["chmod"],"action":"SCMP_ACT_ERRNO"}]}`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"defaultAction":`), 0o644)

	tests := []struct {
		name  string
		opts  Options
		want  string // default action, "" for none
		error string
	}{
		{"unconfined", Options{SecurityOpts: []string{"seccomp=unconfined"}}, "", ""},
		{"privileged", Options{Privileged: true}, "", ""},
		{"privileged with a profile", Options{Privileged: true, SecurityOpts: []string{"seccomp=" + custom}}, "SCMP_ACT_ALLOW", ""},
		{"custom", Options{SecurityOpts: []string{"seccomp:" + custom}}, "SCMP_ACT_ALLOW", ""},
		{"bad json", Options{SecurityOpts: []string{"seccomp=" + bad}}, "", "seccomp profile " + bad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.RootFS, tt.opts.Args = "/r", []string{"true"}
			s, err := Generate(tt.opts)
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("got error %v, want %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if s.Linux.Seccomp != nil {
				got = string(s.Linux.Seccomp.DefaultAction)
			}
			if got != tt.want {
				t.Errorf("seccomp default action = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"defaults", Options{}, []string{"PATH=" + DefaultPath, "HOME=/", "container=skiff"}},
		{"image values kept, last wins", Options{Env: []string{"A=1", "PATH=/bin", "A=2", "HOME=/h", "container=other"}},
			[]string{"A=2", "PATH=/bin", "HOME=/h", "container=other"}},
		{"terminal and hostname", Options{Terminal: true, Hostname: "h1", User: User{Home: "/home/u"}},
			[]string{"PATH=" + DefaultPath, "TERM=xterm", "HOSTNAME=h1", "HOME=/home/u", "container=skiff"}},
		{"empty value", Options{Env: []string{"EMPTY="}}, []string{"EMPTY=", "PATH=" + DefaultPath, "HOME=/", "container=skiff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := environment(&tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("environment = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRlimits(t *testing.T) {
	pinHost(t)
	tests := []struct {
		name    string
		ulimits []string
		raise   bool
		want    map[string][2]uint64
	}{
		{"rootless defaults: nofile at the hard limit, nproc as is", nil, false,
			map[string][2]uint64{"RLIMIT_NOFILE": {524288, 524288}, "RLIMIT_NPROC": {63000, 63000}}},
		{"root defaults: Podman's 1048576", nil, true,
			map[string][2]uint64{"RLIMIT_NOFILE": {rlimitDefault, rlimitDefault}, "RLIMIT_NPROC": {rlimitDefault, rlimitDefault}}},
		{"ulimits override", []string{"nofile=100:200", "RLIMIT_CORE=unlimited", "stack=8192"}, false,
			map[string][2]uint64{"RLIMIT_NOFILE": {100, 200}, "RLIMIT_NPROC": {63000, 63000}, "RLIMIT_CORE": {unix.RLIM_INFINITY, unix.RLIM_INFINITY}, "RLIMIT_STACK": {8192, 8192}}},
		{"host", []string{"host"}, false,
			map[string][2]uint64{"RLIMIT_NOFILE": {1024, 524288}, "RLIMIT_NPROC": {63000, 63000}, "RLIMIT_CORE": {0, unix.RLIM_INFINITY}, "RLIMIT_AS": {8192, 8192}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canRaiseHardLimits = func() bool { return tt.raise }
			got, err := processRlimits(tt.ulimits)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string][2]uint64{}
			for _, l := range got {
				m[l.Type] = [2]uint64{l.Soft, l.Hard}
			}
			for k, v := range tt.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
		})
	}
}

func TestSortMounts(t *testing.T) {
	m := []rspec.Mount{{Destination: "/run/skiff-init"}, {Destination: "/dev/shm"}, {Destination: "/proc"}, {Destination: "/run"}, {Destination: "/dev"}, {Destination: "/a/b/c"}}
	sortMounts(m)
	var got []string
	for _, x := range m {
		got = append(got, x.Destination)
	}
	want := []string{"/proc", "/run", "/dev", "/run/skiff-init", "/dev/shm", "/a/b/c"}
	if !slices.Equal(got, want) {
		t.Errorf("sortMounts = %v, want %v", got, want)
	}
}

func TestParseDevice(t *testing.T) {
	tests := []struct {
		in   string
		want Device
		ok   bool
	}{
		{"/dev/fuse", Device{"/dev/fuse", "/dev/fuse", "rwm"}, true},
		{"/dev/fuse:r", Device{}, false},
		{"/dev/fuse:rw", Device{"/dev/fuse", "/dev/fuse", "rw"}, true},
		{"/dev/fuse:/dev/f2", Device{"/dev/fuse", "/dev/f2", "rwm"}, true},
		{"/dev/fuse:/dev/f2:rw", Device{"/dev/fuse", "/dev/f2", "rw"}, true},
		{"/dev/fuse:/dev/f2:x", Device{}, false},
		{"fuse", Device{}, false},
		{"/dev/a:/b:r:x", Device{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDevice(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDevice(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestCheckRefusesWhatGenerateRefuses: Check, which create runs instead of a throw-away Generate,
// refuses the same bad values.
func TestCheckRefusesWhatGenerateRefuses(t *testing.T) {
	base := Options{RootFS: "/", Args: []string{"true"}}
	for _, tc := range []struct {
		name string
		edit func(*Options)
	}{
		{"bad ulimit", func(o *Options) { o.Ulimits = []string{"nofile=x"} }},
		{"bad capability", func(o *Options) { o.CapAdd = []string{"CAP_BOGUS"} }},
		{"bad security opt", func(o *Options) { o.SecurityOpts = []string{"bogus=1"} }},
		{"missing seccomp file", func(o *Options) { o.SecurityOpts = []string{"seccomp=/nonexistent/profile.json"} }},
		{"relative workdir", func(o *Options) { o.Cwd = "rel" }},
		{"bad sysctl", func(o *Options) { o.Sysctls = map[string]string{"kernel.bogus_thing": "1"} }},
	} {
		o := base
		tc.edit(&o)
		errCheck := Check(o)
		_, errGen := Generate(o)
		if errCheck == nil || errGen == nil {
			t.Errorf("%s: Check error %v, Generate error %v: want both to refuse", tc.name, errCheck, errGen)
		}
	}
	if err := Check(base); err != nil {
		t.Errorf("Check(%+v) = %v", base, err)
	}
}
