package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/containers/storage"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/cgroups"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/userns"
)

// ProcessOptions are a container's namespace and process-environment flags.
type ProcessOptions struct {
	// IPC is --ipc: "" or private, shareable, host, none, or container:ID (a name is resolved at create).
	IPC string `json:"ipc,omitempty"`
	// PID is --pid: "" or private, host, or container:ID.
	PID string `json:"pid,omitempty"`
	// UTS is --uts: "" or private, host, or container:ID.
	UTS string `json:"uts,omitempty"`
	// ShmSize is --shm-size in bytes (0 = 64 MiB).
	ShmSize int64 `json:"shmSize,omitempty"`
	// Sysctls are --sysctl NAME=VALUE.
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// OOMScoreAdj is --oom-score-adj; nil = inherited.
	OOMScoreAdj *int `json:"oomScoreAdj,omitempty"`
	// TZ is --tz: a zone under /usr/share/zoneinfo, or "local" for the host's /etc/localtime.
	TZ string `json:"tz,omitempty"`
	// Unsetenv names variables to remove, the defaults (PATH, TERM, HOSTNAME, HOME, container) included.
	Unsetenv []string `json:"unsetenv,omitempty"`
	// HostUsers are host users added to the container's /etc/passwd (--hostuser).
	HostUsers []string `json:"hostUsers,omitempty"`
	// PidFile and ConmonPidFile receive the container's and its monitor's PID at each start.
	PidFile       string `json:"pidFile,omitempty"`
	ConmonPidFile string `json:"conmonPidFile,omitempty"`
	// Requires are containers (IDs once created) started before this one (--requires).
	Requires []string `json:"requires,omitempty"`
	// Timeout is --timeout: the monitor kills the container (SIGKILL) after it ran this long; 0 = never.
	Timeout time.Duration `json:"timeout,omitempty"`
	// RemoveImage is --rmi: after the container is removed (it implies --rm), remove its image unless
	// another container uses it.
	RemoveImage bool `json:"removeImage,omitempty"`
	// Systemd is --systemd: true (systemd mode when the command is an init), always, or false.
	Systemd string `json:"systemd,omitempty"`
	// SystemdMode: the container runs systemd as PID 1 (decided at create).
	SystemdMode bool `json:"systemdMode,omitempty"`
}

// sigRTMin3 is SIGRTMIN+3, which stops systemd.
const sigRTMin3 = "SIGRTMIN+3"

// systemdMode decides --systemd: always, or true with an init as the command (Podman's test).
func systemdMode(mode string, argv []string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "false":
		return false, nil
	case "", "true":
		if len(argv) == 0 {
			return false, nil
		}
		switch argv[0] {
		case "/sbin/init", "/usr/sbin/init", "/usr/local/sbin/init":
			return true, nil
		}
		return filepath.Base(argv[0]) == "systemd", nil
	}
	return false, fmt.Errorf("--systemd %q: want true, false or always", mode)
}

// containerEnvFile is Podman's /run/.containerenv.
const containerEnvFile = ".containerenv"

// ParsePlatform checks --platform OS/ARCH[/VARIANT] of run and create: only the host's own can run.
func ParsePlatform(s string) error {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("--platform %q: want OS/ARCH[/VARIANT], such as %s/%s", s, runtime.GOOS, runtime.GOARCH)
	}
	if parts[0] != runtime.GOOS || parts[1] != runtime.GOARCH {
		return fmt.Errorf("--platform %s: only images for this host's platform %s/%s can be run here (no emulation is set up)", s, runtime.GOOS, runtime.GOARCH)
	}
	return nil
}

// processConfig checks the process options of o and records them in cfg, resolving container:NAME
// and --requires to container IDs.
func (e *Engine) processConfig(o *CreateOptions, cfg *Config) error {
	p := o.Process
	modes := []struct {
		flag string
		v    *string
		ok   []string
	}{
		{"--ipc", &p.IPC, []string{"", "private", "shareable", "host", "none"}},
		{"--pid", &p.PID, []string{"", "private", "host"}},
		{"--uts", &p.UTS, []string{"", "private", "host"}},
	}
	for _, m := range modes {
		if ref, ok := strings.CutPrefix(*m.v, "container:"); ok {
			target, err := e.Get(ref)
			if err != nil {
				return fmt.Errorf("%s %s: %w", m.flag, *m.v, err)
			}
			*m.v = "container:" + target.ID
			continue
		}
		valid := false
		for _, v := range m.ok {
			valid = valid || *m.v == v
		}
		if !valid {
			return fmt.Errorf("%s %q: want %s or container:NAME", m.flag, *m.v, strings.Join(m.ok[1:], ", "))
		}
		if cfg.Pod != nil && *m.v != "" && cfg.Pod.Shares(strings.TrimPrefix(m.flag, "--")) {
			return fmt.Errorf("%s %s: the container shares the %s namespace of pod %s", m.flag, *m.v, strings.TrimPrefix(m.flag, "--"), cfg.Pod.Name)
		}
	}
	if p.UTS != "" && p.UTS != "private" && o.Hostname != "" {
		return fmt.Errorf("--hostname %s: cannot set the hostname with --uts %s", o.Hostname, p.UTS)
	}
	if p.ShmSize < 0 {
		return fmt.Errorf("--shm-size %d: must not be negative", p.ShmSize)
	}
	if p.ShmSize > 0 && (p.IPC == "host" || p.IPC == "none" || strings.HasPrefix(p.IPC, "container:")) {
		return fmt.Errorf("--shm-size: the container has no /dev/shm of its own with --ipc %s", p.IPC)
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		return fmt.Errorf("--oom-score-adj %d: want -1000 to 1000", *p.OOMScoreAdj)
	}
	if p.TZ != "" {
		if _, err := zoneFile(p.TZ); err != nil {
			return err
		}
	}
	for _, name := range p.HostUsers {
		if _, err := user.Lookup(name); err != nil {
			return fmt.Errorf("--hostuser %s: %w", name, err)
		}
	}
	for i, r := range p.Requires {
		target, err := e.Get(r)
		if err != nil {
			return fmt.Errorf("--requires %s: %w", r, err)
		}
		p.Requires[i] = target.ID
	}
	// Check the sysctls against the namespaces now, so that a bad one leaves nothing behind.
	so := spec.Options{RootFS: "/", Args: []string{"true"}, Sysctls: p.Sysctls}
	so.Namespaces.IPC, so.Namespaces.UTS = nsMode(p.IPC), nsMode(p.UTS)
	so.Namespaces.Net = netNSMode(o.Network)
	if err := spec.Check(so); err != nil {
		return err
	}
	if p.Timeout < 0 {
		return fmt.Errorf("--timeout %s: must not be negative", p.Timeout)
	}
	if p.RemoveImage {
		cfg.AutoRemove = true // Podman: --rmi implies --rm
	}
	var err error
	if p.SystemdMode, err = systemdMode(p.Systemd, cfg.argv()); err != nil {
		return err
	}
	if p.SystemdMode {
		// systemd needs a cgroup of its own to run its units in, seen through a namespace of its own.
		if cfg.Cgroup.Mode == CgroupsDisabled {
			return errors.New("--systemd: systemd as PID 1 needs a cgroup: drop --cgroups=disabled or use --systemd=false")
		}
		if _, err := cgroups.Find(cfg.Cgroup.Parent, userns.HostUID()); err != nil {
			return fmt.Errorf("--systemd: systemd as PID 1 needs a cgroup of its own: %w", err)
		}
		if cfg.Cgroup.NS == "" {
			cfg.Cgroup.NS = "private"
		}
		if o.StopSignal == 0 {
			cfg.StopSignal = sigRTMin3
		}
	}
	cfg.Process = p
	if p.UTS != "" && p.UTS != "private" {
		cfg.Hostname = ""
	}
	return nil
}

// nsMode maps a mode to what the spec generator's check needs: "" for a namespace of the container's
// own, "host" or a placeholder path for a shared one.
func nsMode(m string) string {
	switch {
	case m == "" || m == "private" || m == "shareable" || m == "none":
		return ""
	case m == "host":
		return "host"
	case strings.HasPrefix(m, "container:") || strings.HasPrefix(m, "ns:"):
		return "/proc/self/ns/shared"
	}
	return ""
}

// netNSMode is nsMode for the network namespace o asks for.
func netNSMode(o netwire.Options) string {
	switch o.Mode.Kind {
	case slirpnet.Host:
		return "host"
	case slirpnet.Container, slirpnet.NS:
		return "/proc/self/ns/shared"
	}
	return ""
}

// zoneFile is the zoneinfo file of --tz.
func zoneFile(tz string) (string, error) {
	if tz == "local" {
		return "/etc/localtime", nil
	}
	if filepath.IsAbs(tz) || strings.Contains(tz, "..") {
		return "", fmt.Errorf("--tz %q: want a zone name such as Asia/Tokyo, or local", tz)
	}
	f := filepath.Join("/usr/share/zoneinfo", tz)
	if st, err := os.Stat(f); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("--tz %s: no such time zone in /usr/share/zoneinfo (hint: install tzdata, or use local)", tz)
	}
	return f, nil
}

// processSpec applies c's process options at a start: namespaces joined or shared, /dev/shm, sysctls,
// the time zone, host users and /run/.containerenv.
func (e *Engine) processSpec(c *Container, rootfs string, o *spec.Options) error {
	p := c.Config.Process
	for _, n := range []struct {
		mode, ns string
		field    *string
	}{{p.IPC, "ipc", &o.Namespaces.IPC}, {p.PID, "pid", &o.Namespaces.PID}, {p.UTS, "uts", &o.Namespaces.UTS}} {
		switch {
		case n.mode == "host":
			*n.field = "host"
		case strings.HasPrefix(n.mode, "container:"):
			target, err := e.Get(strings.TrimPrefix(n.mode, "container:"))
			if err != nil {
				return fmt.Errorf("container %s: --%s %s: %w", c.Name(), n.ns, n.mode, err)
			}
			if target.State.Status != StatusRunning && target.State.Status != StatusPaused {
				return fmt.Errorf("container %s: --%s container:%s: that container is %s: %w", c.Name(), n.ns, target.Name(), target.State.Status, ErrNotRunning)
			}
			*n.field = fmt.Sprintf("/proc/%d/ns/%s", target.State.Pid, n.ns)
		}
	}
	if o.Namespaces.UTS != "" {
		o.Hostname = ""
	}
	o.NoShm = p.IPC == "none"
	o.ShmSize = p.ShmSize
	o.Sysctls = p.Sysctls
	o.OOMScoreAdj = p.OOMScoreAdj
	o.Unsetenv = p.Unsetenv
	o.Systemd = p.SystemdMode
	dir, err := e.store.ContainerRunDirectory(c.ID)
	if err != nil {
		return fmt.Errorf("run directory of container %s: %w", c.Name(), err)
	}
	if p.TZ != "" {
		f, err := zoneFile(p.TZ)
		if err != nil {
			return err
		}
		o.Mounts = append(o.Mounts, rspec.Mount{Destination: "/etc/localtime", Type: "bind", Source: f,
			Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}})
	}
	for _, name := range p.HostUsers {
		a, err := hostAccount(name)
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name(), err)
		}
		copyDir := ""
		if c.Config.ReadOnly {
			copyDir = dir
		}
		mounts, err := spec.AddAccount(rootfs, a, copyDir)
		if err != nil {
			return fmt.Errorf("container %s: --hostuser %s: %w", c.Name(), name, err)
		}
		o.Mounts = append(o.Mounts, mounts...)
	}
	// /run/.containerenv, with Podman's keys: software in the container checks for it.
	env := fmt.Sprintf("engine=\"skiff\"\nname=%q\nid=%q\nimage=%q\nimageid=%q\nrootless=1\n",
		c.Name(), c.ID, c.Config.ImageName, c.Config.ImageID)
	f := filepath.Join(dir, containerEnvFile)
	if err := record.WriteFile(f, []byte(env), 0o644); err != nil {
		return fmt.Errorf("container %s: write %s: %w", c.Name(), containerEnvFile, err)
	}
	o.Mounts = append(o.Mounts, rspec.Mount{Destination: "/run/" + containerEnvFile, Type: "bind", Source: f,
		Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}})
	return nil
}

// hostAccount is host user name as --hostuser adds it: the host's IDs, name, full name and home.
func hostAccount(name string) (spec.Account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return spec.Account{}, fmt.Errorf("--hostuser %s: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return spec.Account{}, fmt.Errorf("--hostuser %s: %w", name, err)
	}
	a := spec.Account{Name: u.Username, Group: u.Username, UID: uint32(uid), GID: uint32(gid), Gecos: u.Name, Home: u.HomeDir}
	if g, err := user.LookupGroupId(u.Gid); err == nil {
		a.Group = g.Name
	}
	return a, nil
}

// startRequired starts the containers c requires (--requires) that do not run.
func (e *Engine) startRequired(ctx context.Context, c *Container) error {
	for _, id := range c.Config.Process.Requires {
		dep, err := e.Get(id)
		if err != nil {
			return fmt.Errorf("start container %s: required container %s: %w", c.Name(), shortID(id), err)
		}
		if dep.State.Status == StatusRunning || dep.State.Status == StatusPaused {
			continue
		}
		if _, _, err := e.Start(ctx, dep.ID, StartOptions{}); err != nil {
			return fmt.Errorf("start container %s: start required container %s: %w", c.Name(), dep.Name(), err)
		}
	}
	return nil
}

// removeImage is --rmi after c was removed: its image goes too, unless another container uses it.
func (e *Engine) removeImage(c *Container) {
	if !c.Config.Process.RemoveImage {
		return
	}
	// By the name it ran as, as Podman does: an image with other names only loses that one.
	ref := c.Config.ImageName
	if ref == "" {
		ref = c.Config.ImageID
	}
	_, errs := image.Remove(e.store, []string{ref}, image.RemoveOptions{})
	for _, err := range errs {
		if !errors.Is(err, storage.ErrImageUsedByContainer) {
			logrus.Warnf("container %s: --rmi: %v", c.Name(), err)
		}
	}
}

// writePidFiles writes --pidfile and --conmon-pidfile after a start.
func writePidFiles(c *Container) {
	for _, f := range []struct {
		path string
		pid  int
	}{{c.Config.Process.PidFile, c.State.Pid}, {c.Config.Process.ConmonPidFile, c.State.MonitorPid}} {
		if f.path == "" {
			continue
		}
		if err := record.WriteFile(f.path, []byte(strconv.Itoa(f.pid)), 0o644); err != nil {
			logrus.Warnf("container %s: write PID file %s: %v", c.Name(), f.path, err)
		}
	}
}
