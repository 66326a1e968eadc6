package system

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/fuseoverlay"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/userns"
)

// probe is how checkHost sees the host; tests replace its functions.
type probe struct {
	uid      int    // the user on the host
	userName string // "" when the UID has no name
	readFile func(string) ([]byte, error)
	lstat    func(string) (fs.FileInfo, error)
	lookPath func(string) (string, error)
	// access reports whether the user may read and write path (access(2) R_OK|W_OK).
	access   func(string) error
	hasCaps  func(path string) bool // the file has capabilities (security.capability)
	environ  map[string]string      // skiff's environment as it was started
	crunNo   string                 // why crun cannot start a container here, or ""
	fsType   func(string) (string, bool)
	statfs   func(string) (*unix.Statfs_t, error)
	pauses   func() []int // the user's live pause processes
	cgroupV2 bool
}

func defaultProbe() *probe {
	uid := userns.HostUID()
	p := &probe{
		uid:      uid,
		readFile: os.ReadFile,
		lstat:    os.Stat,
		lookPath: exec.LookPath,
		access:   func(path string) error { return unix.Access(path, unix.R_OK|unix.W_OK) },
		hasCaps: func(path string) bool {
			n, err := unix.Getxattr(path, "security.capability", nil)
			return err == nil && n > 0
		},
		environ: startEnviron(),
		crunNo:  oci.CrunRefusal(),
		fsType:  fuseoverlay.NetworkFS,
		statfs: func(path string) (*unix.Statfs_t, error) {
			var st unix.Statfs_t
			return &st, unix.Statfs(path, &st)
		},
		pauses:   pauseProcesses,
		cgroupV2: cgroupVersion() == "v2",
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		p.userName = u.Username
	}
	return p
}

// startEnviron is the environment skiff was started with (/proc/self/environ: the user-namespace
// constructor sets XDG_RUNTIME_DIR afterwards).
func startEnviron() map[string]string {
	env := map[string]string{}
	b, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		return env
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			env[k] = v
		}
	}
	return env
}

// pauseProcesses lists the PIDs of this user's skiff pause processes.
func pauseProcesses() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.HasPrefix(cmdline, []byte("skiff-pause\x00")) {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(filepath.Join("/proc", e.Name()), &st) == nil && int(st.Uid) == os.Getuid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// checkHost lists what on this host stops or degrades rootless containers for this user.
func checkHost(p *probe, graphRoot string) []Finding {
	name := p.userName
	if name == "" {
		name = strconv.Itoa(p.uid)
	}
	var out []Finding
	for _, found := range [][]Finding{
		kernelFindings(p), subIDFindings(p, name), deviceFindings(p),
		programFindings(p), runtimeFindings(p), cgroupFindings(p),
		sessionFindings(p, name), storageFindings(p, graphRoot), pauseFindings(p),
	} {
		out = append(out, found...)
	}
	return out
}

// kernelFindings checks the kernel knobs for unprivileged user namespaces.
func kernelFindings(p *probe) []Finding {
	var out []Finding
	if v, ok := sysctl(p, "user/max_user_namespaces"); ok && v == "0" {
		out = append(out, Finding{Check: "max_user_namespaces", Severity: Blocker, Who: "admin",
			Problem: "user.max_user_namespaces is 0", Impact: "no user namespace can be created: skiff cannot run at all",
			Fix: "sysctl -w user.max_user_namespaces=28633 (and put it in /etc/sysctl.d/)"})
	}
	if v, ok := sysctl(p, "kernel/unprivileged_userns_clone"); ok && v == "0" {
		out = append(out, Finding{Check: "unprivileged_userns_clone", Severity: Blocker, Who: "admin",
			Problem: "kernel.unprivileged_userns_clone is 0", Impact: "unprivileged users cannot create user namespaces: skiff cannot run at all",
			Fix: "sysctl -w kernel.unprivileged_userns_clone=1 (and put it in /etc/sysctl.d/)"})
	}
	if v, ok := sysctl(p, "kernel/apparmor_restrict_unprivileged_userns"); ok && v == "1" {
		out = append(out, Finding{Check: "apparmor_userns", Severity: Blocker, Who: "admin",
			Problem: "kernel.apparmor_restrict_unprivileged_userns is 1",
			Impact:  "AppArmor confines every new user namespace without capabilities: mounts and ID maps fail",
			Fix:     "install an AppArmor profile for skiff with 'userns,' (like /etc/apparmor.d/podman), or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"})
	}
	return out
}

// subIDFindings checks the subordinate IDs of user name and the helpers that map them.
func subIDFindings(p *probe, name string) []Finding {
	var out []Finding
	hasSubUID := hasSubIDs(p, "/etc/subuid", name)
	hasSubGID := hasSubIDs(p, "/etc/subgid", name)
	if !hasSubUID || !hasSubGID {
		missing := "/etc/subuid"
		if hasSubUID {
			missing = "/etc/subgid"
		} else if !hasSubGID {
			missing = "/etc/subuid and /etc/subgid"
		}
		out = append(out, Finding{Check: "subids", Severity: Degraded, Who: "admin",
			Problem: fmt.Sprintf("no subordinate ID range for %s in %s", name, missing),
			Impact:  "single-UID mapping: image files of every owner are stored as yours, and processes in a container cannot switch to other users",
			Fix:     fmt.Sprintf("usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s", name)})
	} else {
		for _, tool := range []string{"newuidmap", "newgidmap"} {
			path, err := p.lookPath(tool)
			if err != nil {
				out = append(out, Finding{Check: tool, Severity: Blocker, Who: "admin",
					Problem: tool + " is not installed", Impact: "your subordinate IDs cannot be mapped: skiff falls back to nothing and fails to start the user namespace",
					Fix: "apt-get install uidmap (or your distribution's shadow-utils)"})
				continue
			}
			st, err := p.lstat(path)
			if err == nil && st.Mode()&fs.ModeSetuid == 0 && !p.hasCaps(path) {
				out = append(out, Finding{Check: tool, Severity: Blocker, Who: "admin",
					Problem: path + " is neither setuid root nor has file capabilities", Impact: "your subordinate IDs cannot be mapped",
					Fix: fmt.Sprintf("chmod u+s %s (or setcap cap_setuid+ep %s)", path, path)})
			}
		}
	}
	return out
}

// deviceFindings checks the devices of fuse-overlayfs and of the user-mode networks.
func deviceFindings(p *probe) []Finding {
	var out []Finding
	for _, d := range []struct{ path, impact, fix string }{
		{"/dev/fuse", "fuse-overlayfs cannot run: storage uses native overlay where the kernel allows it, else vfs (a full copy of every layer)",
			"chmod 0666 /dev/fuse (or modprobe fuse)"},
		{"/dev/net/tun", "slirp4netns and pasta cannot create the container's network: only --network host or none work",
			"chmod 0666 /dev/net/tun (or modprobe tun)"},
	} {
		if err := p.access(d.path); err != nil {
			out = append(out, Finding{Check: filepath.Base(d.path), Severity: Degraded, Who: "admin",
				Problem: fmt.Sprintf("%s is not usable: %v", d.path, err), Impact: d.impact, Fix: d.fix})
		}
	}
	return out
}

// programFindings checks the helper programs.
func programFindings(p *probe) []Finding {
	var out []Finding
	for _, t := range []struct{ name, pkg, impact string }{
		{"fuse-overlayfs", "fuse-overlayfs", "storage falls back to native overlay where the kernel allows it, else vfs (a full copy of every layer)"},
		{"slirp4netns", "slirp4netns", "the default network (slirp4netns) cannot start: use --network pasta, host or none"},
		{"pasta", "passt", "--network pasta is unavailable"},
		{"nft", "nftables", "containers on user-defined networks (skiff network create) get no outbound traffic (forwarding stays off)"},
		{"catatonit", "catatonit", "--init and the pause process's init are unavailable"},
	} {
		if _, err := p.lookPath(t.name); err != nil {
			out = append(out, Finding{Check: t.name, Severity: Degraded, Who: "admin",
				Problem: t.name + " is not installed", Impact: t.impact, Fix: "apt-get install " + t.pkg})
		}
	}
	return out
}

// runtimeFindings checks the OCI runtimes.
func runtimeFindings(p *probe) []Finding {
	var out []Finding
	_, runcErr := p.lookPath("runc")
	_, crunErr := p.lookPath("crun")
	switch {
	case runcErr != nil && crunErr != nil:
		out = append(out, Finding{Check: "runtime", Severity: Blocker, Who: "admin",
			Problem: "no OCI runtime (runc or crun) is installed", Impact: "no container can start", Fix: "apt-get install runc"})
	case crunErr == nil && p.crunNo != "":
		sev, impact, fix := Degraded, "crun cannot start containers here: skiff uses runc (slower to start)",
			"boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2 only) for crun; nothing is needed for runc"
		if runcErr != nil {
			sev, impact, fix = Blocker, "crun cannot start containers here and runc is not installed: no container can start",
				"apt-get install runc, or boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2 only)"
		}
		out = append(out, Finding{Check: "crun", Severity: sev, Who: "admin", Problem: p.crunNo, Impact: impact, Fix: fix})
	}
	return out
}

// cgroupFindings checks that the user's cgroup can be delegated and is.
func cgroupFindings(p *probe) []Finding {
	var out []Finding
	if !p.cgroupV2 {
		out = append(out, Finding{Check: "cgroups", Severity: Degraded, Who: "admin",
			Problem: "the host uses cgroup v1 (legacy or hybrid), which cannot be delegated to a user",
			Impact:  "resource limits (--memory, --cpus, --pids-limit) cannot be enforced for rootless containers",
			Fix:     "boot with systemd.unified_cgroup_hierarchy=1 and delegate controllers to users (systemd user@.service Delegate=yes)"})
	} else if own := ownCgroup(p); own != "" {
		if err := p.access(filepath.Join("/sys/fs/cgroup", own, "cgroup.subtree_control")); err != nil {
			out = append(out, Finding{Check: "cgroups", Severity: Degraded, Who: "admin",
				Problem: fmt.Sprintf("your cgroup %s is not delegated to you", own),
				Impact:  "resource limits (--memory, --cpus, --pids-limit) cannot be enforced",
				Fix:     "log in through systemd-logind (pam_systemd) with Delegate=yes for user@.service"})
		}
	}
	return out
}

// sessionFindings checks the runtime directory, systemd and the lingering of user name.
func sessionFindings(p *probe, name string) []Finding {
	var out []Finding
	xdg, set := p.environ["XDG_RUNTIME_DIR"]
	switch {
	case !set || xdg == "":
		out = append(out, Finding{Check: "xdg_runtime_dir", Severity: Degraded, Who: "user",
			Problem: "XDG_RUNTIME_DIR is not set (no login session from pam_systemd)",
			Impact:  fmt.Sprintf("skiff keeps its runtime state in %s; it is not removed at logout", userns.RuntimeDir()),
			Fix:     fmt.Sprintf("log in through a PAM session with pam_systemd, or export XDG_RUNTIME_DIR=/run/user/%d when that directory exists and is yours", p.uid)})
	default:
		if st, err := p.lstat(xdg); err != nil {
			out = append(out, Finding{Check: "xdg_runtime_dir", Severity: Degraded, Who: "user",
				Problem: fmt.Sprintf("XDG_RUNTIME_DIR=%s: %v", xdg, err), Impact: fmt.Sprintf("skiff uses %s instead", userns.RuntimeDir()),
				Fix: "unset XDG_RUNTIME_DIR or point it at a directory of yours with mode 0700"})
		} else if sys, ok := st.Sys().(*unix.Stat_t); ok && (int(sys.Uid) != p.uid && int(sys.Uid) != os.Getuid() || st.Mode().Perm()&0o077 != 0) {
			out = append(out, Finding{Check: "xdg_runtime_dir", Severity: Degraded, Who: "user",
				Problem: fmt.Sprintf("XDG_RUNTIME_DIR=%s is not yours with mode 0700 (mode %o)", xdg, st.Mode().Perm()),
				Impact:  fmt.Sprintf("skiff uses %s instead", userns.RuntimeDir()),
				Fix:     "unset XDG_RUNTIME_DIR or point it at a directory of yours with mode 0700"})
		}
	}
	if comm, err := p.readFile("/proc/1/comm"); err != nil || strings.TrimSpace(string(comm)) != "systemd" {
		out = append(out, Finding{Check: "systemd", Severity: Degraded, Who: "admin",
			Problem: "systemd is not the init system here",
			Impact:  "units from 'skiff generate systemd' and Quadlet cannot be used; containers run only while started by hand",
			Fix:     "none needed for skiff run; for services, use a host with systemd"})
	} else if _, err := p.lstat(filepath.Join("/var/lib/systemd/linger", name)); err != nil {
		out = append(out, Finding{Check: "linger", Severity: Degraded, Who: "user",
			Problem: "lingering is off for " + name,
			Impact:  "your systemd user manager, and the containers its units run, stop when you log out and do not start at boot",
			Fix:     "loginctl enable-linger " + name})
	}
	return out
}

// storageFindings checks the file system of the storage root graphRoot and its free space.
func storageFindings(p *probe, graphRoot string) []Finding {
	var out []Finding
	if graphRoot != "" {
		if fsName, ok := p.fsType(graphRoot); ok {
			out = append(out, Finding{Check: "storage-fs", Severity: Degraded, Who: "user",
				Problem: fmt.Sprintf("storage root %s is on %s", graphRoot, fsName),
				Impact:  "layers owned by subordinate IDs cannot be stored there, and overlay cannot use it",
				Fix:     "set graphroot in ~/.config/containers/storage.conf to a node-local directory, e.g. /tmp/$USER/containers/storage"})
		}
		if st, err := p.statfs(existingParent(p, graphRoot)); err == nil {
			free := st.Bavail * uint64(st.Bsize)
			if free < 1<<30 {
				out = append(out, Finding{Check: "storage-space", Severity: Degraded, Who: "user",
					Problem: fmt.Sprintf("only %d MiB free under %s", free>>20, graphRoot),
					Impact:  "pulls and container writes fail with 'no space left on device'",
					Fix:     "skiff system prune / skiff rmi unused images, or move graphroot to a larger file system"})
			}
			if st.Files > 0 && st.Ffree*100/st.Files < 5 {
				out = append(out, Finding{Check: "storage-inodes", Severity: Degraded, Who: "user",
					Problem: fmt.Sprintf("only %d of %d inodes free under %s", st.Ffree, st.Files, graphRoot),
					Impact:  "pulls fail with 'no space left on device' although blocks are free",
					Fix:     "remove unused images, or move graphroot to a file system with more inodes"})
			}
		}
	}
	return out
}

// pauseFindings checks that the user has one pause process at most.
func pauseFindings(p *probe) []Finding {
	var out []Finding
	if pids := p.pauses(); len(pids) > 1 {
		s := make([]string, len(pids))
		for i, pid := range pids {
			s[i] = strconv.Itoa(pid)
		}
		out = append(out, Finding{Check: "pause", Severity: Degraded, Who: "user",
			Problem: fmt.Sprintf("%d pause processes of yours run (PIDs %s)", len(pids), strings.Join(s, ", ")),
			Impact:  "each holds its own user namespace: commands started with different runtime directories do not see each other's mounts",
			Fix:     fmt.Sprintf("stop the containers, then kill the pause processes not recorded in %s", userns.PausePIDFile())})
	}
	return out
}

func sysctl(p *probe, key string) (string, bool) {
	b, err := p.readFile(filepath.Join("/proc/sys", key))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// hasSubIDs reports whether file has a range for the user, by name or UID.
func hasSubIDs(p *probe, file, name string) bool {
	b, err := p.readFile(file)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) == 3 && (f[0] == name || f[0] == strconv.Itoa(p.uid)) && f[2] != "0" {
			return true
		}
	}
	return false
}

// ownCgroup is this process's cgroup v2 path, or "".
func ownCgroup(p *probe) string {
	b, err := p.readFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path
		}
	}
	return ""
}

func existingParent(p *probe, path string) string {
	for {
		if _, err := p.lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) || path == "/" {
			return path
		}
		path = filepath.Dir(path)
	}
}
