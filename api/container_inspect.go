package api

import (
	"net/http"
	"strings"
	"time"

	dcontainer "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	dstorage "github.com/docker/docker/api/types/storage"
	"github.com/docker/go-connections/nat"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// inspectContainer answers GET /containers/{name}/json in Docker's document shape, from the engine's
// inspect data and the container's record.
func (s *Server) inspectContainer(w http.ResponseWriter, r *http.Request) error {
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	d, err := e.Inspect(c.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dockerInspect(c, d))
	return nil
}

// dockerTime is Docker's rendering of a time in inspect: RFC 3339 with nanoseconds, the zero time too.
func dockerTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func dockerInspect(c *container.Container, d *container.InspectData) *dcontainer.InspectResponse {
	cfg := &c.Config
	status := d.State.Status
	if status == container.StatusStopping {
		status = container.StatusRunning
	}
	state := &dcontainer.State{
		Status:     status,
		Running:    d.State.Running,
		Paused:     d.State.Paused,
		OOMKilled:  d.State.OOMKilled,
		Pid:        d.State.Pid,
		ExitCode:   d.State.ExitCode,
		Error:      d.State.Error,
		StartedAt:  dockerTime(d.State.StartedAt),
		FinishedAt: dockerTime(d.State.FinishedAt),
	}
	if h := d.State.Health; h != nil {
		state.Health = &dcontainer.Health{Status: dcontainer.HealthStatus(h.Status), FailingStreak: h.FailingStreak, Log: []*dcontainer.HealthcheckResult{}}
		for _, l := range h.Log {
			state.Health.Log = append(state.Health.Log, &dcontainer.HealthcheckResult{Start: l.Start, End: l.End, ExitCode: l.ExitCode, Output: l.Output})
		}
	}
	base := &dcontainer.ContainerJSONBase{
		ID:             c.ID,
		Created:        dockerTime(cfg.Created),
		Path:           d.Path,
		Args:           d.Args,
		State:          state,
		Image:          "sha256:" + cfg.ImageID,
		ResolvConfPath: d.ResolvConfPath,
		HostnamePath:   d.HostnamePath,
		HostsPath:      d.HostsPath,
		LogPath:        d.LogPath,
		Name:           "/" + c.Name(),
		RestartCount:   d.RestartCount,
		Driver:         d.Driver,
		Platform:       "linux",
		ExecIDs:        nil,
		HostConfig:     dockerHostConfig(c, d),
		GraphDriver:    dstorage.DriverData{Name: d.GraphDriver.Name, Data: d.GraphDriver.Data},
	}
	return &dcontainer.InspectResponse{
		ContainerJSONBase: base,
		Mounts:            dockerMounts(cfg.Mounts),
		Config:            dockerConfig(c),
		NetworkSettings:   dockerNetworkSettings(d),
	}
}

func dockerConfig(c *container.Container) *dcontainer.Config {
	cfg := &c.Config
	exposed := nat.PortSet{}
	for p := range cfg.Network.Exposed {
		exposed[nat.Port(p)] = struct{}{}
	}
	out := &dcontainer.Config{
		Hostname:     cfg.Hostname,
		User:         cfg.User,
		AttachStdin:  cfg.Interactive,
		AttachStdout: true,
		AttachStderr: true,
		ExposedPorts: exposed,
		Tty:          cfg.Terminal,
		OpenStdin:    cfg.Interactive,
		Env:          cfg.Env,
		Cmd:          cfg.Cmd,
		Image:        cfg.Image,
		WorkingDir:   cfg.WorkingDir,
		Entrypoint:   cfg.Entrypoint,
		Labels:       cfg.Labels,
		StopSignal:   cfg.StopSignal,
		Volumes:      map[string]struct{}{},
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	t := int(cfg.StopTimeout)
	out.StopTimeout = &t
	for _, m := range cfg.Mounts {
		if m.Type == mountflag.TypeVolume && m.Anonymous {
			out.Volumes[m.Destination] = struct{}{}
		}
	}
	if h := cfg.Health; h.Enabled() {
		out.Healthcheck = &dcontainer.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	}
	return out
}

func dockerHostConfig(c *container.Container, d *container.InspectData) *dcontainer.HostConfig {
	cfg, ih := &c.Config, &d.HostConfig
	hc := &dcontainer.HostConfig{
		Binds:           []string{},
		LogConfig:       dcontainer.LogConfig{Type: ih.LogConfig.Type, Config: map[string]string{}},
		NetworkMode:     dcontainer.NetworkMode(dockerNetworkMode(cfg)),
		PortBindings:    nat.PortMap{},
		RestartPolicy:   dcontainer.RestartPolicy{Name: dcontainer.RestartPolicyMode(ih.RestartPolicy.Name), MaximumRetryCount: int(ih.RestartPolicy.MaximumRetryCount)},
		AutoRemove:      cfg.AutoRemove,
		CapAdd:          cfg.CapAdd,
		CapDrop:         cfg.CapDrop,
		DNS:             cfg.Network.DNS,
		DNSOptions:      cfg.Network.DNSOptions,
		DNSSearch:       cfg.Network.DNSSearch,
		ExtraHosts:      cfg.Network.AddHosts,
		GroupAdd:        cfg.GroupAdd,
		IpcMode:         dcontainer.IpcMode(ih.IpcMode),
		PidMode:         dcontainer.PidMode(ih.PidMode),
		UTSMode:         dcontainer.UTSMode(ih.UTSMode),
		Privileged:      cfg.Privileged,
		PublishAllPorts: cfg.Network.PublishAll,
		ReadonlyRootfs:  cfg.ReadOnly,
		SecurityOpt:     cfg.SecurityOpts,
		ShmSize:         cfg.Process.ShmSize,
		Sysctls:         cfg.Process.Sysctls,
		Runtime:         d.OCIRuntime,
		Annotations:     cfg.Annotations,
		Tmpfs:           map[string]string{},
	}
	if hc.LogConfig.Type == container.DefaultLogDriver {
		hc.LogConfig.Type = "json-file" // Docker's name for the file log skiff keeps
	}
	init := cfg.Init
	hc.Init = &init
	res := ih.InspectResources
	hc.Resources = dcontainer.Resources{
		Memory: res.Memory, MemoryReservation: res.MemoryReservation, MemorySwap: res.MemorySwap,
		NanoCPUs: res.NanoCpus, CPUShares: int64(res.CPUShares), CPUPeriod: int64(res.CPUPeriod), CPUQuota: res.CPUQuota,
		CpusetCpus: res.CpusetCpus, CpusetMems: res.CpusetMems, BlkioWeight: res.BlkioWeight, CgroupParent: res.CgroupParent,
	}
	if res.PidsLimit != 0 {
		pl := res.PidsLimit
		hc.PidsLimit = &pl
	}
	for _, dev := range cfg.Devices {
		hc.Devices = append(hc.Devices, dcontainer.DeviceMapping{PathOnHost: dev.Source, PathInContainer: dev.Destination, CgroupPermissions: dev.Perms})
	}
	for _, m := range cfg.Mounts {
		switch {
		case m.Type == mountflag.TypeTmpfs:
			hc.Tmpfs[m.Destination] = strings.Join(m.Options, ",")
		case m.Type == mountflag.TypeBind || m.Type == mountflag.TypeVolume && !m.Anonymous:
			mode := "rw"
			if m.ReadOnly() {
				mode = "ro"
			}
			hc.Binds = append(hc.Binds, m.Source+":"+m.Destination+":"+mode)
		}
	}
	for port, binds := range ih.PortBindings {
		for _, b := range binds {
			hc.PortBindings[nat.Port(port)] = append(hc.PortBindings[nat.Port(port)], nat.PortBinding{HostIP: b.HostIP, HostPort: b.HostPort})
		}
	}
	return hc
}

// dockerNetworkMode names the container's network as Docker does: the default rootless network is
// Docker's "bridge".
func dockerNetworkMode(cfg *container.Config) string {
	if len(cfg.Network.Networks) > 0 {
		return cfg.Network.Networks[0].Network
	}
	kind, _, _ := strings.Cut(cfg.Network.Mode, ":")
	switch kind {
	case slirpnet.Slirp4netns, slirpnet.Pasta:
		return "bridge"
	case "":
		return "none"
	}
	return cfg.Network.Mode
}

func dockerMounts(specs []mountflag.Spec) []dcontainer.MountPoint {
	out := []dcontainer.MountPoint{}
	for _, m := range specs {
		mp := dcontainer.MountPoint{Destination: m.Destination, RW: !m.ReadOnly()}
		switch m.Type {
		case mountflag.TypeBind:
			mp.Type, mp.Source = "bind", m.Source
		case mountflag.TypeVolume:
			mp.Type, mp.Name, mp.Driver = "volume", m.Source, "local"
		case mountflag.TypeTmpfs:
			mp.Type = "tmpfs"
		}
		mp.Mode = strings.Join(m.Options, ",")
		for _, o := range m.Options {
			switch o {
			case "private", "rprivate", "slave", "rslave", "shared", "rshared":
				mp.Propagation = mount.Propagation(o)
			}
		}
		out = append(out, mp)
	}
	return out
}

func dockerNetworkSettings(d *container.InspectData) *dcontainer.NetworkSettings {
	ns := d.NetworkSettings
	out := &dcontainer.NetworkSettings{
		NetworkSettingsBase: dcontainer.NetworkSettingsBase{SandboxID: ns.SandboxID, SandboxKey: ns.SandboxKey, Ports: nat.PortMap{}},
		DefaultNetworkSettings: dcontainer.DefaultNetworkSettings{
			EndpointID: ns.EndpointID, Gateway: ns.Gateway, IPAddress: ns.IPAddress, IPPrefixLen: ns.IPPrefixLen,
			IPv6Gateway: ns.IPv6Gateway, GlobalIPv6Address: ns.GlobalIPv6Address, GlobalIPv6PrefixLen: ns.GlobalIPv6PrefixLen, MacAddress: ns.MacAddress,
		},
		Networks: map[string]*network.EndpointSettings{},
	}
	for port, binds := range ns.Ports {
		list := []nat.PortBinding{}
		for _, b := range binds {
			list = append(list, nat.PortBinding{HostIP: b.HostIP, HostPort: b.HostPort})
		}
		if binds == nil {
			list = nil // exposed, not published
		}
		out.Ports[nat.Port(port)] = list
	}
	for name, n := range ns.Networks {
		out.Networks[name] = &network.EndpointSettings{
			NetworkID: n.NetworkID, EndpointID: n.EndpointID, Gateway: n.Gateway, IPAddress: n.IPAddress, IPPrefixLen: n.IPPrefixLen,
			IPv6Gateway: n.IPv6Gateway, GlobalIPv6Address: n.GlobalIPv6Address, GlobalIPv6PrefixLen: n.GlobalIPv6PrefixLen,
			MacAddress: n.MacAddress, Aliases: n.Aliases, Links: n.Links,
		}
	}
	return out
}
