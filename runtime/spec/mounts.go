package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
)

// InitPath is where Options.Init is bound in the container.
const InitPath = "/run/skiff-init"

// defaultShmSize is the size of the /dev/shm tmpfs when Options.ShmSize is 0 (Docker's and Podman's 64 MiB).
const defaultShmSize = 64 << 20

// setMounts sets the container's mounts: runtime-tools' defaults adapted to a rootless container
// (adaptDefaultMounts), the host's devices with --privileged, the init, o.Mounts and the tmpfs mounts
// of --systemd and --read-only, ordered so that no mount hides another.
func setMounts(g *generate.Generator, o *Options, sec securityOpts) error {
	adaptDefaultMounts(g, o, sec)

	if o.Privileged {
		if err := addHostDevices(g); err != nil {
			return err
		}
	}

	if o.Init != "" {
		if !filepath.IsAbs(o.Init) {
			return fmt.Errorf("init binary %q: not an absolute path", o.Init)
		}
		if _, err := os.Stat(o.Init); err != nil {
			return fmt.Errorf("init binary: %w", err)
		}
		g.RemoveMount(InitPath)
		g.AddMount(rspec.Mount{Destination: InitPath, Type: "bind", Source: o.Init,
			Options: []string{"bind", "ro", "nosuid", "nodev"}})
	}

	for _, m := range o.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return fmt.Errorf("mount %s on %q: destination is not an absolute path", m.Source, m.Destination)
		}
		m.Destination = filepath.Clean(m.Destination)
		g.RemoveMount(m.Destination)
		g.AddMount(m)
	}

	// --systemd: Podman's tmpfs mounts for systemd as PID 1 (unless the user mounted something there).
	if o.Systemd {
		addMissingTmpfs(g, "/run", "/run/lock", "/tmp", "/var/log/journal")
	}
	// --read-only: Podman's --read-only-tmpfs default gives writable tmpfs on /run, /tmp and /var/tmp.
	if o.ReadOnly {
		addMissingTmpfs(g, "/run", "/tmp", "/var/tmp")
	}

	sortMounts(g.Config.Mounts)
	return nil
}

// adaptDefaultMounts adapts runtime-tools' default mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue,
// /sys) to a rootless container and the namespaces it shares with the host (libs.md §4, verified with
// runc inside the user's namespace):
//   - the host's network namespace: sysfs cannot be mounted (EPERM, the netns belongs to the initial user
//     namespace), so /sys is an rbind of the host's, read-only (systemPaths masks /sys/kernel);
//   - the host's IPC namespace: mqueue cannot be mounted, so /dev/mqueue is bound from the host if it has
//     one, and /dev/shm is the host's /dev/shm;
//   - the host's PID namespace: procfs cannot be mounted, so /proc is an rbind of the host's;
//   - a single-ID mapping: devpts without gid=5, as the container has no gid 5.
func adaptDefaultMounts(g *generate.Generator, o *Options, sec securityOpts) {
	find := func(dest string) *rspec.Mount { return findMount(g, dest) }
	rw := "ro"
	if o.Privileged {
		rw = "rw"
	}
	cgroupRW := rw
	if o.Systemd {
		cgroupRW = "rw" // systemd creates its units' cgroups in the container's own
	}

	if o.Namespaces.Net == hostNS {
		*find("/sys") = rspec.Mount{Destination: "/sys", Type: "bind", Source: "/sys",
			Options: []string{"rprivate", "nosuid", "noexec", "nodev", rw, "rbind"}}
	} else {
		find("/sys").Options = []string{"nosuid", "noexec", "nodev", rw}
		// The cgroup hierarchy, read-only, as Podman mounts it. With no cgroup of its own the container
		// sees where the user's processes are (runc bind-mounts each v1 controller; verified on this
		// host's hybrid layout). The rbind of /sys above carries the host's already.
		g.AddMount(rspec.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"rprivate", "nosuid", "noexec", "nodev", "relatime", cgroupRW}})
	}

	if o.Namespaces.IPC == hostNS {
		if hostHasMqueue() {
			*find("/dev/mqueue") = rspec.Mount{Destination: "/dev/mqueue", Type: "bind", Source: "/dev/mqueue",
				Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
		} else {
			g.RemoveMount("/dev/mqueue")
		}
		*find("/dev/shm") = rspec.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm",
			Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	} else {
		size := o.ShmSize
		if size == 0 {
			size = defaultShmSize
		}
		find("/dev/shm").Options = []string{"nosuid", "noexec", "nodev", "mode=1777", "size=" + tmpfsSize(size)}
	}

	// Podman's /dev (nosuid, strictatime, mode=755, size=65536k): runtime-tools from 2022 adds noexec.
	dev := find("/dev")
	dev.Options = slices.DeleteFunc(dev.Options, func(s string) bool { return s == "noexec" })

	proc := find("/proc")
	if o.Namespaces.PID == hostNS {
		*proc = rspec.Mount{Destination: "/proc", Type: "bind", Source: "/proc",
			Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	}
	proc.Options = append(proc.Options, sec.procOpts...)

	if o.SingleMapping {
		pts := find("/dev/pts")
		pts.Options = slices.DeleteFunc(pts.Options, func(s string) bool { return s == "gid=5" })
	}
}

// findMount returns the mount of the spec on dest, or nil.
func findMount(g *generate.Generator, dest string) *rspec.Mount {
	for i := range g.Config.Mounts {
		if g.Config.Mounts[i].Destination == dest {
			return &g.Config.Mounts[i]
		}
	}
	return nil
}

// addMissingTmpfs mounts a writable tmpfs on each of dirs nothing is mounted on yet.
func addMissingTmpfs(g *generate.Generator, dirs ...string) {
	for _, dir := range dirs {
		if findMount(g, dir) == nil {
			g.AddMount(rspec.Mount{Destination: dir, Type: "tmpfs", Source: "tmpfs",
				Options: []string{"rw", "rprivate", "nosuid", "nodev"}})
		}
	}
}

// hostHasMqueue reports whether the host has a /dev/mqueue to bind; a variable so tests can pin it.
var hostHasMqueue = func() bool {
	st, err := os.Stat("/dev/mqueue")
	return err == nil && st.IsDir()
}

// tmpfsSize formats a byte count for tmpfs's size= option.
func tmpfsSize(n int64) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dk", n/1024)
	}
	return fmt.Sprint(n)
}

// sortMounts orders mounts by the depth of their destination, keeping the order of equal depths, so a
// mount never hides one beneath it (/dev before /dev/shm, /run before /run/skiff-init), as Podman does.
func sortMounts(m []rspec.Mount) {
	depth := func(p string) int {
		p = filepath.Clean(p)
		if p == "/" {
			return 0
		}
		return strings.Count(p, "/")
	}
	sort.SliceStable(m, func(i, j int) bool { return depth(m[i].Destination) < depth(m[j].Destination) })
}

// hostDevices lists the host's device nodes under /dev the way runc's devices.HostDevices does (no
// symlinks; nothing under pts, shm, fd, mqueue). A variable so tests can pin it.
var hostDevices = func() ([]string, error) {
	var out []string
	err := filepath.WalkDir("/dev", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != "/dev" && (os.IsPermission(err) || os.IsNotExist(err)) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev":
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeDevice != 0 && path != "/dev/console" {
			out = append(out, path)
		}
		return nil
	})
	return out, err
}

// addHostDevices gives a privileged container the host's devices. A user namespace cannot mknod, so
// each is a bind mount of the host's node, as Podman does rootless; /dev/ptmx and /dev/tty* are left
// out (the container has its own), and so is anything already mounted.
func addHostDevices(g *generate.Generator) error {
	devs, err := hostDevices()
	if err != nil {
		return fmt.Errorf("list host devices: %w", err)
	}
	for _, d := range devs {
		if d == "/dev/ptmx" || strings.HasPrefix(d, "/dev/tty") {
			continue
		}
		if slices.ContainsFunc(g.Config.Mounts, func(m rspec.Mount) bool { return m.Destination == d }) {
			continue
		}
		g.AddMount(rspec.Mount{Destination: d, Type: "bind", Source: d,
			Options: []string{"rbind", "nosuid", "noexec", "rw"}})
	}
	return nil
}
