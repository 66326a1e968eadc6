package spec

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"

	"github.com/skiffproject/skiff/cdi"
)

// OCIVersion is the ociVersion written to every spec: the newest that crun 1.8.1 and runc 1.1.5 accept
// (crun before 1.14.3 rejects 1.2.x with "unknown version specified").
const OCIVersion = "1.0.2-dev"

// DefaultPath is the PATH a container gets when its environment has none (Podman's and Docker's).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// hostNS is the Namespaces value that means "the host's", i.e. the namespace of the user's namespace.
const hostNS = "host"

// Namespaces says which namespaces the container shares. Each field is "" (or "private") for a new
// namespace, "host" for the namespace the runtime itself is in (for a rootless skiff, the host's, as the
// user's namespace only has its own user and mount namespaces), or the path of one to join, such as
// /proc/PID/ns/net of a pod's infra container. A path must belong to the user's namespace.
type Namespaces struct{ Net, IPC, UTS, PID string }

// Options describes a container; the zero value of each field is the secure default.
type Options struct {
	RootFS   string   // the root file system, an absolute path
	Args     []string // the command, entrypoint included
	Env      []string // NAME=VALUE; the last of a name wins
	Cwd      string   // absolute; "" = "/"
	User     User     // resolved numeric IDs (see ResolveUser)
	Terminal bool
	Hostname string // only with a private UTS namespace
	ReadOnly bool   // read-only root, with tmpfs on /run, /tmp and /var/tmp (Podman's --read-only-tmpfs)

	CapAdd, CapDrop []string // names with or without CAP_, any case, or ALL
	Privileged      bool     // every capability, no seccomp, no masked or read-only paths, the host's devices
	// SecurityOpts are Podman's --security-opt values (Docker's KEY:VALUE form too): no-new-privileges[=BOOL],
	// seccomp=unconfined|PATH, mask=/a:/b, unmask=ALL|/a:/b, proc-opts=OPT[,OPT], systempaths=unconfined,
	// and, accepted as no-ops, apparmor=unconfined and label=disable. Anything else is an error.
	SecurityOpts []string
	Ulimits      []string // Docker's --ulimit values: nofile=1024:2048, nproc=100, host

	// Init is the path of an init binary (catatonit) on the host. It is bound read-only at InitPath and
	// runs the command as "InitPath -g -- Args...", like Podman's --init; "" = none.
	Init string

	// Mounts are added after the defaults; one with the destination of a default mount replaces it.
	Mounts []rspec.Mount

	Namespaces    Namespaces
	SingleMapping bool // only the user's own ID is mapped (no subuids): devpts gets no gid=5
	Annotations   map[string]string

	// IDMappings give the container a user namespace of its own (keep-id, nomap, --uidmap): userns.go.
	IDMappings IDMappings

	NoNewPrivileges bool  // also set by --security-opt no-new-privileges
	ShmSize         int64 // bytes of the /dev/shm tmpfs; 0 = 64 MiB

	// CDIDevices are qualified CDI device names (vendor.com/class=name) resolved through the specs in
	// CDISpecDirs (cdi.SpecDirs when nil): their nodes, environment, mounts and hooks are added last.
	CDIDevices  []string
	CDISpecDirs []string

	// CgroupsPath puts the container in a cgroup of that path (relative: below the runtime's own
	// cgroup in each hierarchy), limited by Resources; "" = no cgroup (see package cgroups).
	CgroupsPath string
	Resources   *rspec.LinuxResources
	// CgroupNS is "private" for a cgroup namespace of the container's own; "" or "host" = none.
	CgroupNS string

	// Devices are host devices given to the container (--device): devices.go.
	Devices []Device

	// Sysctls are set in the container's namespaces (--sysctl); only namespaced ones are allowed.
	Sysctls map[string]string
	// OOMScoreAdj is the process's oom_score_adj (--oom-score-adj); nil = inherited.
	OOMScoreAdj *int
	// NoShm leaves /dev/shm out (--ipc none).
	NoShm bool
	// Unsetenv removes these variables from the environment, defaults included (--unsetenv).
	Unsetenv []string
	// Systemd runs systemd as PID 1 (--systemd): tmpfs on /run, /run/lock, /tmp and /var/log/journal,
	// and the container's own cgroups writable (it needs a cgroup and a cgroup namespace of its own).
	Systemd bool
}

// Generate returns the OCI spec for a container described by o.
//
// Call it where the runtime will run, inside the user's namespace: the limits it may set (nothing
// above the current hard limits) and the capabilities --privileged and ALL stand for are read from the
// calling process.
//
// Cgroups: without Options.CgroupsPath the spec has no Linux.Resources and no CgroupsPath, so the
// runtime creates no cgroup and applies no limit; a rootless user cannot write to cgroups unless an
// administrator (or systemd) delegated some. With one (package cgroups finds it) the container's cgroup
// gets Options.Resources. There are never device cgroup rules: a user namespace cannot have them.
func Generate(o Options) (*rspec.Spec, error) {
	if err := validate(&o); err != nil {
		return nil, err
	}
	sec, err := parseSecurityOpts(o.SecurityOpts)
	if err != nil {
		return nil, err
	}
	g, err := newGenerator(&o)
	if err != nil {
		return nil, err
	}
	if err := setProcess(&g, &o); err != nil {
		return nil, err
	}
	if err := setNamespaces(&g, &o); err != nil {
		return nil, err
	}

	if err := setMounts(&g, &o, sec); err != nil {
		return nil, err
	}
	if err := addDevices(&g, o.Devices); err != nil {
		return nil, err
	}
	if o.NoShm {
		g.RemoveMount("/dev/shm")
	}
	if err := checkSysctls(&o); err != nil {
		return nil, err
	}
	for k, v := range o.Sysctls {
		g.AddLinuxSysctl(k, v)
	}
	if o.OOMScoreAdj != nil {
		g.SetProcessOOMScoreAdj(*o.OOMScoreAdj)
	}
	if err := setIDMappings(g.Config, &o); err != nil {
		return nil, err
	}
	if len(o.CDIDevices) > 0 {
		reg, err := cdi.Load(o.CDISpecDirs)
		if err != nil {
			return nil, err
		}
		if err := reg.Inject(g.Config, o.CDIDevices); err != nil {
			return nil, err
		}
	}

	if err := setSecurity(&g, &o, sec); err != nil {
		return nil, err
	}
	if g.Config.Process.Rlimits, err = processRlimits(o.Ulimits); err != nil {
		return nil, err
	}

	if len(o.Annotations) > 0 {
		g.Config.Annotations = maps.Clone(o.Annotations)
	}
	if _, ok := g.Config.Annotations[AnnotationManager]; !ok {
		g.AddAnnotation(AnnotationManager, "skiff")
	}
	return g.Config, nil
}

// newGenerator starts the spec: the root file system, and the cgroup (none unless one is delegated) and
// the cgroup namespace.
func newGenerator(o *Options) (generate.Generator, error) {
	g, err := generate.New("linux")
	if err != nil {
		return g, fmt.Errorf("spec generator: %w", err)
	}
	g.HostSpecific = false
	g.SetOCIVersion(OCIVersion)
	g.SetRootPath(o.RootFS)
	g.SetRootReadonly(o.ReadOnly)
	g.RemoveHostname()
	// No device cgroup rules, and a cgroup only where one is delegated: see Generate's doc comment.
	g.Config.Linux.Resources = nil
	g.Config.Linux.CgroupsPath = o.CgroupsPath
	if o.CgroupsPath != "" && o.Resources != nil {
		g.Config.Linux.Resources = o.Resources
	}
	if o.CgroupNS == "private" {
		if err := g.AddOrReplaceLinuxNamespace("cgroup", ""); err != nil {
			return g, err
		}
	}
	return g, nil
}

// setProcess sets the process: its arguments (behind the init with --init), terminal, directory,
// user, umask and environment.
func setProcess(g *generate.Generator, o *Options) error {
	args := slices.Clone(o.Args)
	if o.Init != "" {
		args = append([]string{InitPath, "-g", "--"}, args...)
	}
	g.SetProcessArgs(args)
	g.SetProcessTerminal(o.Terminal)
	g.SetProcessCwd(o.Cwd)
	g.SetProcessUID(o.User.UID)
	g.SetProcessGID(o.User.GID)
	for _, gid := range o.User.AdditionalGIDs {
		g.AddProcessAdditionalGid(gid)
	}
	umask := uint32(0o022)
	g.Config.Process.User.Umask = &umask
	env, err := environment(o)
	if err != nil {
		return err
	}
	g.Config.Process.Env = env
	return nil
}

// setNamespaces sets the namespaces and the hostname. The generator's defaults are new pid, network,
// ipc, uts and mount namespaces; never a user namespace, as the runtime runs inside the user's already.
func setNamespaces(g *generate.Generator, o *Options) error {
	for _, ns := range namespaces(o) {
		var err error
		switch v := *ns.field; v {
		case "":
		case hostNS:
			err = g.RemoveLinuxNamespace(ns.typ)
		default:
			err = g.AddOrReplaceLinuxNamespace(ns.typ, v)
		}
		if err != nil {
			return err
		}
	}
	if o.Hostname != "" {
		g.SetHostname(o.Hostname)
	}
	return nil
}

// setSecurity sets the capabilities first, as the seccomp profile depends on them, then
// no_new_privileges, the masked and read-only paths and the seccomp profile.
func setSecurity(g *generate.Generator, o *Options, sec securityOpts) error {
	caps, err := capabilities(o)
	if err != nil {
		return err
	}
	g.Config.Process.Capabilities = caps
	g.SetProcessNoNewPrivileges(o.NoNewPrivileges || sec.noNewPrivileges)
	g.Config.Linux.MaskedPaths, g.Config.Linux.ReadonlyPaths = systemPaths(o.Privileged, o.Namespaces.Net == hostNS, sec)
	if g.Config.Linux.Seccomp, err = seccompProfile(o.Privileged, sec, g.Config); err != nil {
		return err
	}
	return nil
}

// Check checks what Generate would refuse in o without generating a spec: the paths, namespaces,
// security options, sysctls, capabilities, ulimits and CDI device names. Create calls it so that a bad
// value leaves nothing behind; a start then generates the spec once.
func Check(o Options) error {
	if err := validate(&o); err != nil {
		return err
	}
	sec, err := parseSecurityOpts(o.SecurityOpts)
	if err != nil {
		return err
	}
	if err := checkSysctls(&o); err != nil {
		return err
	}
	caps, err := capabilities(&o)
	if err != nil {
		return err
	}
	// A seccomp profile file is read and checked against the capabilities (the built-in default
	// is known to load).
	if sec.seccomp != "" && sec.seccomp != "unconfined" {
		if _, err := seccompProfile(o.Privileged, sec, &rspec.Spec{Process: &rspec.Process{Capabilities: caps}, Linux: &rspec.Linux{}}); err != nil {
			return err
		}
	}
	if _, err := processRlimits(o.Ulimits); err != nil {
		return err
	}
	return checkCDI(o)
}

// checkCDI resolves o's CDI device names against the registry.
func checkCDI(o Options) error {
	if len(o.CDIDevices) > 0 {
		reg, err := cdi.Load(o.CDISpecDirs)
		if err != nil {
			return err
		}
		// Inject resolves every name against the registry; the spec it edits is thrown away.
		if err := reg.Inject(&rspec.Spec{Process: &rspec.Process{}, Linux: &rspec.Linux{}}, o.CDIDevices); err != nil {
			return err
		}
	}
	return nil
}

// AnnotationManager names the engine that created the container (Podman sets "libpod").
const AnnotationManager = "io.container.manager"

// validate checks o and fills in defaults.
func validate(o *Options) error {
	if o.RootFS == "" || !filepath.IsAbs(o.RootFS) {
		return fmt.Errorf("root file system %q: not an absolute path", o.RootFS)
	}
	if len(o.Args) == 0 {
		return errors.New("no command specified: the image has no ENTRYPOINT or CMD and none was given")
	}
	if o.Cwd == "" {
		o.Cwd = "/"
	}
	if !filepath.IsAbs(o.Cwd) {
		return fmt.Errorf("working directory %q: not an absolute path", o.Cwd)
	}
	switch o.CgroupNS {
	case "", "host", "private":
	default:
		return fmt.Errorf("cgroup namespace %q: want host or private", o.CgroupNS)
	}
	if o.ShmSize < 0 {
		return fmt.Errorf("shm size %d: must not be negative", o.ShmSize)
	}
	for _, ns := range namespaces(o) {
		switch v := *ns.field; {
		case v == "private":
			*ns.field = ""
		case v == "" || v == hostNS || filepath.IsAbs(v):
		default:
			return fmt.Errorf("%s namespace %q: want private, host or the path of a namespace", ns.typ, v)
		}
	}
	if o.Hostname != "" && o.Namespaces.UTS != "" {
		return fmt.Errorf("hostname %q: cannot set the hostname of a shared UTS namespace", o.Hostname)
	}
	for k := range o.Annotations {
		if k == "" {
			return errors.New("annotation with an empty name")
		}
	}
	return nil
}

// namespace is one of the namespaces Options chooses.
type namespace struct {
	typ   string  // the runtime-tools name
	field *string // the Options field
}

// namespaces lists the namespaces o chooses, in the generator's order.
func namespaces(o *Options) []namespace {
	return []namespace{{"pid", &o.Namespaces.PID}, {"network", &o.Namespaces.Net}, {"ipc", &o.Namespaces.IPC}, {"uts", &o.Namespaces.UTS}}
}

// environment builds the process environment: o.Env (the last of a name wins, in first-seen order),
// then PATH, TERM (with a terminal), HOSTNAME and HOME when absent, and container=skiff (Podman sets
// container=podman, which systemd and others use to detect a container).
func environment(o *Options) ([]string, error) {
	var env []string
	index := map[string]int{}
	add := func(kv string, override bool) {
		name, _, _ := strings.Cut(kv, "=")
		if i, ok := index[name]; ok {
			if override {
				env[i] = kv
			}
			return
		}
		index[name] = len(env)
		env = append(env, kv)
	}
	for _, kv := range o.Env {
		if !strings.Contains(kv, "=") || strings.HasPrefix(kv, "=") {
			return nil, fmt.Errorf("environment variable %q: want NAME=VALUE", kv)
		}
		add(kv, true)
	}
	add("PATH="+DefaultPath, false)
	if o.Terminal {
		add("TERM=xterm", false)
	}
	if o.Hostname != "" {
		add("HOSTNAME="+o.Hostname, false)
	}
	home := o.User.Home
	if home == "" {
		home = "/"
	}
	add("HOME="+home, false)
	add("container=skiff", false)
	if len(o.Unsetenv) > 0 {
		env = slices.DeleteFunc(env, func(kv string) bool {
			name, _, _ := strings.Cut(kv, "=")
			return slices.Contains(o.Unsetenv, name)
		})
	}
	return env, nil
}
