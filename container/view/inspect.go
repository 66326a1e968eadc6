package view

import (
	"os"
	"strings"
	"time"

	"github.com/docker/go-units"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/health"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/systemd"
)

// InspectData is what `inspect` prints for a container, shaped like Podman's (libpod
// define.InspectContainerData), with the fields skiff has.
type InspectData struct {
	ID              string            `json:"Id"`
	Created         time.Time         `json:"Created"`
	Path            string            `json:"Path"`
	Args            []string          `json:"Args"`
	State           InspectState      `json:"State"`
	Image           string            `json:"Image"`
	ImageDigest     string            `json:"ImageDigest"`
	ImageName       string            `json:"ImageName"`
	Rootfs          string            `json:"Rootfs"`
	Pod             string            `json:"Pod"`
	ResolvConfPath  string            `json:"ResolvConfPath"`
	HostnamePath    string            `json:"HostnamePath"`
	HostsPath       string            `json:"HostsPath"`
	StaticDir       string            `json:"StaticDir"`
	OCIRuntime      string            `json:"OCIRuntime"`
	OCIConfigPath   string            `json:"OCIConfigPath,omitempty"`
	ConmonPidFile   string            `json:"ConmonPidFile"`
	LogPath         string            `json:"LogPath"`
	PidFile         string            `json:"PidFile"`
	Name            string            `json:"Name"`
	RestartCount    int               `json:"RestartCount"`
	Driver          string            `json:"Driver"`
	MountLabel      string            `json:"MountLabel"`
	ProcessLabel    string            `json:"ProcessLabel"`
	AppArmorProfile string            `json:"AppArmorProfile"`
	EffectiveCaps   []string          `json:"EffectiveCaps"`
	BoundingCaps    []string          `json:"BoundingCaps"`
	ExecIDs         []string          `json:"ExecIDs"`
	GraphDriver     InspectDriver     `json:"GraphDriver"`
	Mounts          []InspectMount    `json:"Mounts"`
	Dependencies    []string          `json:"Dependencies"`
	Namespace       string            `json:"Namespace"`
	IsInfra         bool              `json:"IsInfra"`
	IsService       bool              `json:"IsService"`
	Config          InspectConfig     `json:"Config"`
	HostConfig      InspectHostConfig `json:"HostConfig"`

	// NetworkSettings: the addresses and published ports (network.go).
	NetworkSettings InspectNetworkSettings `json:"NetworkSettings"`
}

// InspectState is the State section.
type InspectState struct {
	OciVersion string `json:"OciVersion"`
	Status     string `json:"Status"`
	Running    bool   `json:"Running"`
	Paused     bool   `json:"Paused"`
	Restarting bool   `json:"Restarting"`
	OOMKilled  bool   `json:"OOMKilled"`
	// Health is the health check's state (healthcheck.go); absent without one.
	Health     *health.State `json:"Health,omitempty"`
	Dead       bool          `json:"Dead"`
	Pid        int           `json:"Pid"`
	ConmonPid  int           `json:"ConmonPid"`
	ExitCode   int           `json:"ExitCode"`
	Error      string        `json:"Error"`
	StartedAt  time.Time     `json:"StartedAt"`
	FinishedAt time.Time     `json:"FinishedAt"`
}

// InspectDriver names the storage driver and the container layer's directories.
type InspectDriver struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// InspectMount is one entry of Mounts (skiff has no volumes yet, so the list is empty).
type InspectMount struct {
	Type        string `json:"Type"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	RW          bool   `json:"RW"`
}

// InspectConfig is the Config section.
type InspectConfig struct {
	Hostname     string            `json:"Hostname"`
	Domainname   string            `json:"Domainname"`
	User         string            `json:"User"`
	AttachStdin  bool              `json:"AttachStdin"`
	AttachStdout bool              `json:"AttachStdout"`
	AttachStderr bool              `json:"AttachStderr"`
	Tty          bool              `json:"Tty"`
	OpenStdin    bool              `json:"OpenStdin"`
	StdinOnce    bool              `json:"StdinOnce"`
	Env          []string          `json:"Env"`
	Cmd          []string          `json:"Cmd"`
	Image        string            `json:"Image"`
	WorkingDir   string            `json:"WorkingDir"`
	Entrypoint   []string          `json:"Entrypoint"`
	Labels       map[string]string `json:"Labels"`
	Annotations  map[string]string `json:"Annotations"`
	StopSignal   uint              `json:"StopSignal"` // a number, as in Podman 4

	StopTimeout   uint     `json:"StopTimeout"`
	CreateCommand []string `json:"CreateCommand"`
	Umask         string   `json:"Umask"`
}

// InspectHostConfig is the HostConfig section.
type InspectHostConfig struct {
	Binds          []string         `json:"Binds"`
	CapAdd         []string         `json:"CapAdd"`
	CapDrop        []string         `json:"CapDrop"`
	Privileged     bool             `json:"Privileged"`
	ReadonlyRootfs bool             `json:"ReadonlyRootfs"`
	SecurityOpt    []string         `json:"SecurityOpt"`
	AutoRemove     bool             `json:"AutoRemove"`
	Init           bool             `json:"Init"`
	LogConfig      InspectLogConfig `json:"LogConfig"`
	RestartPolicy  InspectRestart   `json:"RestartPolicy"`
	Ulimits        []string         `json:"Ulimits"`
	NetworkMode    string           `json:"NetworkMode"`
	PidMode        string           `json:"PidMode"`
	IpcMode        string           `json:"IpcMode"`
	UTSMode        string           `json:"UTSMode"`
	UsernsMode     string           `json:"UsernsMode"`
	Runtime        string           `json:"Runtime"`

	// The network flags (network.go).
	PortBindings    map[string][]slirpnet.InspectHostPort `json:"PortBindings"`
	PublishAllPorts bool                                  `json:"PublishAllPorts"`
	DNS             []string                              `json:"Dns"`
	DNSOptions      []string                              `json:"DnsOptions"`
	DNSSearch       []string                              `json:"DnsSearch"`
	ExtraHosts      []string                              `json:"ExtraHosts"`

	// Limits, cgroup and devices (resources.go).
	InspectResources
}

// InspectLogConfig says where the output goes.
type InspectLogConfig struct {
	Type string `json:"Type"`
	Path string `json:"Path"`
	Tag  string `json:"Tag"`
	Size string `json:"Size"`
}

// InspectRestart is the restart policy (policy.go applies it).
type InspectRestart struct {
	Name              string `json:"Name"`
	MaximumRetryCount uint   `json:"MaximumRetryCount"`
}

// Inspect returns the inspect data of container nameOrID.
func Inspect(e *container.Engine, nameOrID string) (*InspectData, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	cfg, st := &c.Config, &c.State
	argv := c.Command()
	paths, store := e.Paths(c), e.Store()
	d := baseInspect(c, paths, e.RuntimeName(c), store.GraphDriverName())
	if len(argv) > 0 {
		d.Path, d.Args = argv[0], argv[1:]
	}
	if _, err := os.Stat(paths.Spec); err == nil {
		d.OCIConfigPath = paths.Spec // the spec of the last start, as long as the run directory keeps it
	}
	if img, err := store.Image(cfg.ImageID); err == nil {
		d.ImageDigest = img.Digest.String()
	}
	if st.Status != container.StatusCreated || st.StartedAt != (time.Time{}) {
		// The name files a start writes (network.go).
		if cfg.Network.Mode == "" || !strings.HasPrefix(cfg.Network.Mode, "container:") {
			d.ResolvConfPath, d.HostnamePath = paths.ResolvConf, paths.Hostname
			if !cfg.Network.NoHosts {
				d.HostsPath = paths.Hosts
			}
		}
	}
	var user spec.User // root; any other user gets no effective capabilities but those it adds
	if u, _, _ := strings.Cut(cfg.User, ":"); u != "" && u != "0" && u != "root" {
		user.UID = 1
	}
	caps, err := spec.Capabilities(spec.Options{User: user, CapAdd: cfg.CapAdd, CapDrop: cfg.CapDrop, Privileged: cfg.Privileged})
	if err == nil {
		d.BoundingCaps, d.EffectiveCaps = nonNil(caps.Bounding), nonNil(caps.Effective)
	} else {
		d.BoundingCaps, d.EffectiveCaps = []string{}, []string{}
	}
	inspectNetwork(c, d)
	if d.Config.Labels == nil {
		d.Config.Labels = map[string]string{}
	}
	inspectPod(c, d)
	inspectResources(c, d)
	d.HostConfig.LogConfig.Tag = cfg.LogOpts.Tag
	if cfg.LogOpts.MaxSize > 0 {
		d.HostConfig.LogConfig.Size = units.HumanSize(float64(cfg.LogOpts.MaxSize))
	} else {
		d.HostConfig.LogConfig.Size = "0B"
	}
	if c.Config.Health.Enabled() {
		h := e.HealthState(c)
		d.State.Health = &h
	}
	if cfg.LogDriver == "k8s-file" {
		d.LogPath = paths.Log
		d.HostConfig.LogConfig.Path = d.LogPath
	}
	if c.Storage != nil {
		if drv, err := store.GraphDriver(); err == nil {
			if meta, err := drv.Metadata(c.Storage.LayerID); err == nil {
				d.GraphDriver.Data = meta
			}
		}
	}
	return d, nil
}

// baseInspect is the inspect document of c from its record alone: identity, paths, state and the
// configuration as Podman shapes it; Inspect adds what it reads from the store and the system.
func baseInspect(c *container.Container, paths container.Paths, runtime, driver string) *InspectData {
	cfg, st := &c.Config, &c.State
	d := &InspectData{
		ID:         c.ID,
		Created:    cfg.Created,
		Args:       []string{},
		Image:      cfg.ImageID,
		ImageName:  cfg.ImageName,
		StaticDir:  paths.Static,
		OCIRuntime: runtime,
		PidFile:    paths.PIDFile,
		// The monitor plays conmon's part.
		ConmonPidFile: paths.MonitorPIDFile,
		Name:          c.Name(),
		RestartCount:  st.RestartCount,
		Driver:        driver,
		ExecIDs:       []string{},
		GraphDriver:   InspectDriver{Name: driver},
		Mounts:        []InspectMount{},
		Dependencies:  []string{},
		State: InspectState{
			OciVersion: spec.OCIVersion,
			Status:     st.Status,
			Running:    st.Status == container.StatusRunning || st.Status == container.StatusStopping,
			Paused:     st.Status == container.StatusPaused,
			OOMKilled:  st.OOMKilled,
			Pid:        st.Pid,
			ConmonPid:  st.MonitorPid,
			ExitCode:   st.ExitCode,
			Error:      st.Error,
			StartedAt:  st.StartedAt,
			FinishedAt: st.FinishedAt,
		},
		Config: InspectConfig{
			Hostname:      cfg.Hostname,
			User:          cfg.User,
			AttachStdin:   cfg.Interactive,
			AttachStdout:  true,
			AttachStderr:  true,
			Tty:           cfg.Terminal,
			OpenStdin:     cfg.Interactive,
			Env:           nonNil(cfg.Env),
			Cmd:           cfg.Cmd,
			Image:         cfg.ImageName,
			WorkingDir:    cfg.WorkingDir,
			Entrypoint:    cfg.Entrypoint,
			Labels:        cfg.Labels,
			Annotations:   cfg.Annotations,
			StopSignal:    stopSignalNumber(cfg.StopSignal),
			StopTimeout:   cfg.StopTimeout,
			CreateCommand: cfg.CreateCommand,
			Umask:         "0022",
		},
		HostConfig: InspectHostConfig{
			Binds:          []string{},
			CapAdd:         nonNil(cfg.CapAdd),
			CapDrop:        nonNil(cfg.CapDrop),
			Privileged:     cfg.Privileged,
			ReadonlyRootfs: cfg.ReadOnly,
			SecurityOpt:    nonNil(cfg.SecurityOpts),
			AutoRemove:     cfg.AutoRemove,
			Init:           cfg.Init,
			LogConfig:      InspectLogConfig{Type: cfg.LogDriver},
			RestartPolicy:  inspectRestart(cfg.RestartPolicy),
			Ulimits:        nonNil(cfg.Ulimits),
			NetworkMode:    "private",
			PidMode:        "private",
			IpcMode:        "private",
			UTSMode:        "private",
			UsernsMode:     "",
			Runtime:        "oci",
		},
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stopSignalNumber is the number of a recorded stop signal name, SIGTERM's when there is none.
func stopSignalNumber(name string) uint {
	if s, err := container.ParseSignal(name); err == nil {
		return uint(s)
	}
	return uint(unix.SIGTERM)
}

// inspectPod fills the pod parts of inspect: the pod, and the infra container's namespaces a member
// shares, as Podman shows them (container:ID).
func inspectPod(c *container.Container, d *InspectData) {
	p := c.Config.Pod
	if p == nil {
		return
	}
	d.Pod = p.ID
	d.IsInfra = p.Infra
	if p.Infra || p.InfraID == "" {
		return
	}
	d.Dependencies = append(d.Dependencies, p.InfraID)
	mode := "container:" + p.InfraID
	if p.Shares("ipc") {
		d.HostConfig.IpcMode = mode
	}
	if p.Shares("pid") {
		d.HostConfig.PidMode = mode
	}
	if p.Shares("uts") {
		d.HostConfig.UTSMode = mode
	}
}

// inspectRestart shows a recorded --restart as inspect does: on-failure:3 is on-failure with 3 retries.
func inspectRestart(s string) InspectRestart {
	p, err := systemd.ParseRestartPolicy(s)
	if err != nil {
		return InspectRestart{Name: s}
	}
	return InspectRestart{Name: p.Name, MaximumRetryCount: p.MaxRetries}
}

// InspectResources are the HostConfig fields of the limits, the cgroup and the devices (Podman's names).
type InspectResources struct {
	Memory            int64                 `json:"Memory"`
	MemoryReservation int64                 `json:"MemoryReservation"`
	MemorySwap        int64                 `json:"MemorySwap"`
	NanoCpus          int64                 `json:"NanoCpus"`
	CPUShares         uint64                `json:"CpuShares"`
	CPUPeriod         uint64                `json:"CpuPeriod"`
	CPUQuota          int64                 `json:"CpuQuota"`
	CpusetCpus        string                `json:"CpusetCpus"`
	CpusetMems        string                `json:"CpusetMems"`
	PidsLimit         int64                 `json:"PidsLimit"`
	BlkioWeight       uint16                `json:"BlkioWeight"`
	CgroupParent      string                `json:"CgroupParent"`
	Cgroups           string                `json:"Cgroups"`
	CgroupnsMode      string                `json:"CgroupnsMode"`
	CgroupPath        string                `json:"CgroupPath,omitempty"`
	CgroupManager     string                `json:"CgroupManager"`
	Devices           []InspectDeviceDetail `json:"Devices"`
}

// InspectDeviceDetail is one --device.
type InspectDeviceDetail struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

func inspectResources(c *container.Container, d *InspectData) {
	cg, r := c.Config.Cgroup, c.Config.Cgroup.Resources
	d.HostConfig.InspectResources = InspectResources{
		Memory: r.Memory, MemoryReservation: r.MemoryReservation, MemorySwap: r.MemorySwap,
		NanoCpus: r.NanoCPUs(), CPUShares: r.CPUShares, CPUPeriod: r.Period(), CPUQuota: r.Quota(),
		CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems, PidsLimit: r.PidsLimit, BlkioWeight: r.BlkioWeight,
		CgroupParent: cg.Parent, Cgroups: "default", CgroupnsMode: "host", CgroupPath: c.State.CgroupPath, CgroupManager: "cgroupfs",
		Devices: []InspectDeviceDetail{},
	}
	h := &d.HostConfig.InspectResources
	if r.Memory > 0 && r.MemorySwap == 0 {
		h.MemorySwap = 2 * r.Memory
	}
	if cg.Mode != "" && cg.Mode != container.CgroupsEnabled {
		h.Cgroups = cg.Mode
	}
	if cg.NS != "" {
		h.CgroupnsMode = cg.NS
	}
	for _, dev := range c.Config.Devices {
		h.Devices = append(h.Devices, InspectDeviceDetail{PathOnHost: dev.Source, PathInContainer: dev.Destination, CgroupPermissions: dev.Perms})
	}
}
