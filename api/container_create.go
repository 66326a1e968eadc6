package api

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	dcontainer "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/cgroups"
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/systemd"
	"github.com/skiffproject/skiff/volume"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// This file turns Docker's create request (Config, HostConfig, NetworkingConfig) into the engine's
// typed container.CreateOptions. It is the one place that knows both shapes. Fields the engine has no
// equivalent for are refused when set, never ignored.

// createOptions converts a create request; name is the ?name= query parameter.
func createOptions(req *dcontainer.CreateRequest, name string) (container.CreateOptions, error) {
	cfg := req.Config
	if cfg == nil || cfg.Image == "" {
		return container.CreateOptions{}, badParameter("create container: the request names no image (Config.Image)")
	}
	hc := req.HostConfig
	if hc == nil {
		hc = &dcontainer.HostConfig{}
	}
	o := container.CreateOptions{
		Image:       cfg.Image,
		Name:        strings.TrimPrefix(name, "/"),
		Command:     cfg.Cmd,
		WorkingDir:  cfg.WorkingDir,
		User:        cfg.User,
		Hostname:    cfg.Hostname,
		Labels:      cfg.Labels,
		Terminal:    cfg.Tty,
		Interactive: cfg.OpenStdin,
		AutoRemove:  hc.AutoRemove,
		ReadOnly:    hc.ReadonlyRootfs,
		Privileged:  hc.Privileged,
		CapAdd:      hc.CapAdd,
		CapDrop:     hc.CapDrop,
		Pull:        container.PullNever, // the client pulls (POST /images/create) after a 404
		GroupAdd:    hc.GroupAdd,
		Runtime:     hc.Runtime,
		Annotations: hc.Annotations,
	}
	if hc.Init != nil {
		o.Init = *hc.Init
	}
	for _, kv := range cfg.Env {
		if strings.Contains(kv, "=") { // a bare NAME is unset in Docker's client already
			o.Env = append(o.Env, kv)
		}
	}
	if cfg.Entrypoint != nil {
		o.EntrypointSet = true
		if len(cfg.Entrypoint) > 1 || len(cfg.Entrypoint) == 1 && cfg.Entrypoint[0] != "" {
			o.Entrypoint = cfg.Entrypoint
		}
	}
	var err error
	if o.StopSignal, o.StopTimeout, err = stopOptions(cfg); err != nil {
		return o, err
	}
	if err := refuseUnsupported(cfg, hc); err != nil {
		return o, err
	}
	if o.Health, err = healthOptions(cfg.Healthcheck); err != nil {
		return o, err
	}
	if o.LogDriver, err = container.ParseLogDriver(hc.LogConfig.Type); err != nil {
		return o, badParameter("create container: LogConfig.Type: %v", err)
	}
	if len(hc.LogConfig.Config) > 0 {
		return o, badParameter("create container: LogConfig.Config: log options are not supported through the API")
	}
	if o.Restart, err = restartPolicy(hc.RestartPolicy); err != nil {
		return o, err
	}
	for _, u := range hc.Ulimits {
		o.Ulimits = append(o.Ulimits, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
	}
	o.SecurityOpts = hc.SecurityOpt
	if o.Mounts, o.VolumesFrom, err = mounts(cfg, hc); err != nil {
		return o, err
	}
	if o.Network, err = networkOptions(cfg, hc, req.NetworkingConfig); err != nil {
		return o, err
	}
	o.Cgroup.Resources = resources(&hc.Resources)
	o.Cgroup.Parent = hc.CgroupParent
	if o.Devices, err = devices(hc.Devices); err != nil {
		return o, err
	}
	o.Process = container.ProcessOptions{
		IPC: string(hc.IpcMode), PID: string(hc.PidMode), UTS: string(hc.UTSMode),
		ShmSize: hc.ShmSize, Sysctls: hc.Sysctls,
	}
	if hc.OomScoreAdj != 0 {
		adj := hc.OomScoreAdj
		o.Process.OOMScoreAdj = &adj
	}
	return o, nil
}

// stopOptions are the stop signal and timeout of cfg (0 and nil when it sets none).
func stopOptions(cfg *dcontainer.Config) (unix.Signal, *uint, error) {
	var sig unix.Signal
	if cfg.StopSignal != "" {
		var err error
		if sig, err = container.ParseSignal(cfg.StopSignal); err != nil {
			return 0, nil, badParameter("create container: StopSignal: %v", err)
		}
	}
	if cfg.StopTimeout == nil {
		return sig, nil, nil
	}
	if *cfg.StopTimeout < 0 {
		return sig, nil, badParameter("create container: StopTimeout %d: must not be negative", *cfg.StopTimeout)
	}
	t := uint(*cfg.StopTimeout)
	return sig, &t, nil
}

// restartPolicy checks a restart policy (the zero policy when it has no name).
func restartPolicy(rp dcontainer.RestartPolicy) (systemd.RestartPolicy, error) {
	if rp.Name == "" {
		return systemd.RestartPolicy{}, nil
	}
	p := systemd.RestartPolicy{Name: string(rp.Name)}
	if rp.MaximumRetryCount > 0 {
		p.MaxRetries = uint(rp.MaximumRetryCount)
	}
	if _, err := systemd.ParseRestartPolicy(p.String()); err != nil {
		return systemd.RestartPolicy{}, badParameter("create container: RestartPolicy: %v", err)
	}
	return p, nil
}

// devices are the device mappings as --device values: the same path in the container unless given,
// and rwm permissions unless given.
func devices(ds []dcontainer.DeviceMapping) ([]spec.Device, error) {
	var out []spec.Device
	for _, d := range ds {
		dev := spec.Device{Source: d.PathOnHost, Destination: d.PathInContainer, Perms: d.CgroupPermissions}
		if dev.Destination == "" {
			dev.Destination = dev.Source
		}
		if dev.Perms == "" {
			dev.Perms = "rwm"
		}
		if !filepath.IsAbs(dev.Source) || !filepath.IsAbs(dev.Destination) {
			return nil, badParameter("create container: device %q: want absolute paths", d.PathOnHost)
		}
		out = append(out, dev)
	}
	return out, nil
}

// refuseUnsupported refuses the request's fields that skiff cannot honour, one line each.
func refuseUnsupported(cfg *dcontainer.Config, hc *dcontainer.HostConfig) error {
	refuse := func(field string, set bool, why string) error {
		if set {
			return badParameter("create container: %s is not supported: %s", field, why)
		}
		return nil
	}
	for _, err := range []error{
		refuse("HostConfig.Links", len(hc.Links) > 0, "use a user-defined network, where containers reach each other by name"),
		refuse("HostConfig.VolumeDriver", hc.VolumeDriver != "" && hc.VolumeDriver != "local", "skiff has only the local volume driver"),
		refuse("HostConfig.UsernsMode", hc.UsernsMode != "" && hc.UsernsMode != "host", "rootless containers run in the user's namespace"),
		refuse("HostConfig.StorageOpt", len(hc.StorageOpt) > 0, "per-container storage options are not supported"),
		refuse("HostConfig.DeviceRequests", len(hc.DeviceRequests) > 0, "use CDI devices (skiff run --device vendor.com/class=name)"),
		refuse("HostConfig.OomKillDisable", hc.OomKillDisable != nil && *hc.OomKillDisable, "a rootless container cannot disable the OOM killer"),
		refuse("HostConfig.MaskedPaths", len(hc.MaskedPaths) > 0, "the masked paths are fixed"),
		refuse("HostConfig.ReadonlyPaths", len(hc.ReadonlyPaths) > 0, "the read-only paths are fixed"),
		refuse("HostConfig.Isolation", hc.Isolation != "" && hc.Isolation != "default", "Linux containers have no isolation modes"),
		refuse("Config.Domainname", cfg.Domainname != "", "set the hostname instead"),
		//lint:ignore SA1019 clients before API 1.44 still send it: it is refused, not read
		refuse("Config.MacAddress", cfg.MacAddress != "", "rootless networks assign MAC addresses themselves"), //nolint:staticcheck // as above
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// healthOptions converts Docker's health check; zero durations keep the image's values.
func healthOptions(h *dcontainer.HealthConfig) (container.HealthOptions, error) {
	var o container.HealthOptions
	if h == nil {
		return o, nil
	}
	if len(h.Test) > 0 {
		switch h.Test[0] {
		case "NONE":
			o.Disable = true
			return o, nil
		case "CMD", "CMD-SHELL":
			o.Test = h.Test
		default:
			return o, badParameter("create container: Healthcheck.Test %q: want [\"CMD\", …], [\"CMD-SHELL\", …] or [\"NONE\"]", h.Test)
		}
	}
	dur := func(d time.Duration) *time.Duration {
		if d <= 0 {
			return nil
		}
		return &d
	}
	o.Interval, o.Timeout, o.StartPeriod = dur(h.Interval), dur(h.Timeout), dur(h.StartPeriod)
	if h.Retries > 0 {
		r := h.Retries
		o.Retries = &r
	}
	return o, nil
}

// resources converts Docker's resource limits; zero values set no limit.
func resources(r *dcontainer.Resources) cgroups.Resources {
	out := cgroups.Resources{
		Memory:            r.Memory,
		MemoryReservation: r.MemoryReservation,
		MemorySwap:        r.MemorySwap,
		CPUs:              float64(r.NanoCPUs) / 1e9,
		CPUQuota:          r.CPUQuota,
		CpusetCpus:        r.CpusetCpus,
		CpusetMems:        r.CpusetMems,
		BlkioWeight:       r.BlkioWeight,
	}
	if r.CPUShares > 0 {
		out.CPUShares = uint64(r.CPUShares)
	}
	if r.CPUPeriod > 0 {
		out.CPUPeriod = uint64(r.CPUPeriod)
	}
	if r.PidsLimit != nil && *r.PidsLimit > 0 {
		out.PidsLimit = *r.PidsLimit
	}
	return out
}

// mounts converts Binds (Docker's SOURCE:DEST[:OPTIONS]), Mounts, Tmpfs and the anonymous
// Config.Volumes into typed mounts, and VolumesFrom.
func mounts(cfg *dcontainer.Config, hc *dcontainer.HostConfig) ([]mountflag.Spec, []mountflag.From, error) {
	specs, from, err := mountSpecs(cfg, hc)
	if err != nil {
		return nil, nil, err
	}
	if err := volume.CheckSpecs(specs); err != nil {
		return nil, nil, badParameter("create container: %v", err)
	}
	return specs, from, nil
}

// mountSpecs is mounts without the volume options' check.
func mountSpecs(cfg *dcontainer.Config, hc *dcontainer.HostConfig) ([]mountflag.Spec, []mountflag.From, error) {
	f := mountflag.Flags{VolumesFrom: hc.VolumesFrom}
	add := func(typ, src, dest string, opts []string, origin string) error {
		s, err := mountflag.NewSpec(typ, src, dest, opts, origin)
		if err != nil {
			return badParameter("create container: %v", err)
		}
		f.Specs = append(f.Specs, s)
		return nil
	}
	for _, b := range hc.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
			return nil, nil, badParameter("create container: bind %q: want SOURCE:DEST[:OPTIONS]", b)
		}
		typ := mountflag.TypeVolume
		if strings.HasPrefix(parts[0], "/") {
			typ = mountflag.TypeBind
		}
		var opts []string
		if len(parts) == 3 && parts[2] != "" {
			opts = strings.Split(parts[2], ",")
		}
		if err := add(typ, parts[0], parts[1], opts, fmt.Sprintf("bind %q", b)); err != nil {
			return nil, nil, err
		}
	}
	for _, m := range hc.Mounts {
		typ, opts, err := mountOptions(m)
		if err != nil {
			return nil, nil, err
		}
		if err := add(typ, m.Source, m.Target, opts, fmt.Sprintf("mount %s on %s", m.Type, m.Target)); err != nil {
			return nil, nil, err
		}
	}
	dests := make([]string, 0, len(hc.Tmpfs))
	for d := range hc.Tmpfs {
		dests = append(dests, d)
	}
	sort.Strings(dests)
	for _, d := range dests {
		var opts []string
		if hc.Tmpfs[d] != "" {
			opts = strings.Split(hc.Tmpfs[d], ",")
		}
		if err := add(mountflag.TypeTmpfs, "", d, opts, fmt.Sprintf("tmpfs %s", d)); err != nil {
			return nil, nil, err
		}
	}
	vols := make([]string, 0, len(cfg.Volumes))
	for d := range cfg.Volumes {
		vols = append(vols, d)
	}
	sort.Strings(vols)
	for _, d := range vols {
		if mounted(f.Specs, d) {
			continue // a bind or named volume on the same path replaces the anonymous one
		}
		if err := add(mountflag.TypeVolume, "", d, nil, fmt.Sprintf("volume %s", d)); err != nil {
			return nil, nil, err
		}
	}
	specs, from, err := mountflag.Parse(f)
	if err != nil {
		return nil, nil, badParameter("create container: %v", err)
	}
	return specs, from, nil
}

func mounted(specs []mountflag.Spec, dest string) bool {
	for _, s := range specs {
		if s.Destination == filepath.Clean(dest) {
			return true
		}
	}
	return false
}

// mountOptions turns a typed mount's settings into the engine's mount options.
func mountOptions(m mount.Mount) (string, []string, error) {
	var opts []string
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	switch m.Type {
	case mount.TypeBind:
		if o := m.BindOptions; o != nil {
			if o.Propagation != "" {
				opts = append(opts, string(o.Propagation))
			}
			if o.NonRecursive {
				opts = append(opts, "bind")
			}
			if o.CreateMountpoint || o.ReadOnlyNonRecursive || o.ReadOnlyForceRecursive {
				return "", nil, badParameter("create container: mount on %s: CreateMountpoint and the recursive read-only options are not supported", m.Target)
			}
		}
		return mountflag.TypeBind, opts, nil
	case mount.TypeVolume:
		if o := m.VolumeOptions; o != nil {
			if o.NoCopy {
				opts = append(opts, "nocopy")
			}
			if o.DriverConfig != nil && o.DriverConfig.Name != "" && o.DriverConfig.Name != "local" {
				return "", nil, badParameter("create container: mount on %s: volume driver %q: skiff has only the local driver", m.Target, o.DriverConfig.Name)
			}
			if o.Subpath != "" {
				return "", nil, badParameter("create container: mount on %s: volume subpaths are not supported", m.Target)
			}
		}
		return mountflag.TypeVolume, opts, nil
	case mount.TypeTmpfs:
		if o := m.TmpfsOptions; o != nil {
			if o.SizeBytes > 0 {
				opts = append(opts, "size="+strconv.FormatInt(o.SizeBytes, 10))
			}
			if o.Mode != 0 {
				opts = append(opts, fmt.Sprintf("mode=%o", o.Mode.Perm()))
			}
		}
		return mountflag.TypeTmpfs, opts, nil
	}
	return "", nil, badParameter("create container: mount on %s: type %q is not supported (want bind, volume or tmpfs)", m.Target, m.Type)
}

// networkOptions converts the network mode, published and exposed ports, names and the first
// endpoint's aliases and address.
func networkOptions(cfg *dcontainer.Config, hc *dcontainer.HostConfig, nc *network.NetworkingConfig) (netwire.Options, error) {
	o := netwire.Options{
		PublishAll: hc.PublishAllPorts,
		AddHosts:   hc.ExtraHosts,
		DNS:        hc.DNS,
		DNSSearch:  hc.DNSSearch,
		DNSOptions: hc.DNSOptions,
	}
	var err error
	switch mode := string(hc.NetworkMode); mode {
	case "", "default", "bridge":
		// Docker's default network is the rootless default here (slirp4netns or pasta).
	default:
		if o.Mode, o.Networks, err = netwire.ParseMode(mode); err != nil {
			return o, badParameter("create container: NetworkMode: %v", err)
		}
	}
	if cfg.NetworkDisabled {
		o.Mode, o.Networks = slirpnet.Mode{Kind: slirpnet.None}, nil
	}
	if nc != nil && len(o.Networks) > 0 {
		if ep := nc.EndpointsConfig[o.Networks[0]]; ep != nil {
			o.Aliases = ep.Aliases
			if ep.IPAMConfig != nil {
				o.IP = ep.IPAMConfig.IPv4Address
			}
		}
	}
	var expose []string
	for p := range cfg.ExposedPorts {
		expose = append(expose, string(p))
	}
	if o.Expose, err = netwire.ParseExpose(expose); err != nil {
		return o, badParameter("create container: ExposedPorts: %v", err)
	}
	if err := slirpnet.ValidateAddHosts(o.AddHosts); err != nil {
		return o, badParameter("create container: ExtraHosts: %v", err)
	}
	if err := slirpnet.ValidateDNS(o.DNS); err != nil {
		return o, badParameter("create container: Dns: %v", err)
	}
	if o.Ports, err = portMappings(hc.PortBindings); err != nil {
		return o, err
	}
	return o, nil
}

// portMappings converts Docker's port bindings ("80/tcp" → [{HostIp, HostPort}]); an empty host port
// asks for a random one.
func portMappings(pm nat.PortMap) ([]slirpnet.PortMapping, error) {
	keys := make([]string, 0, len(pm))
	for k := range pm {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	var out []slirpnet.PortMapping
	for _, k := range keys {
		port := nat.Port(k)
		proto := port.Proto()
		if proto != "tcp" && proto != "udp" {
			return nil, badParameter("create container: port %s: protocol %q cannot be published (want tcp or udp)", k, proto)
		}
		start, end, err := port.Range()
		if err != nil || start <= 0 || end > 65535 {
			return nil, badParameter("create container: port %s: want PORT/PROTO with a port in 1-65535", k)
		}
		for _, b := range pm[port] {
			m := slirpnet.PortMapping{HostIP: b.HostIP, ContainerPort: uint16(start), Protocol: proto, Range: uint16(end - start + 1)}
			if b.HostPort != "" {
				hs, he, err := nat.ParsePortRange(b.HostPort)
				if err != nil || he-hs != uint64(end-start) || he > 65535 {
					return nil, badParameter("create container: host port %q for %s: want a port (or a range as long as the container's)", b.HostPort, k)
				}
				m.HostPort = uint16(hs)
			}
			out = append(out, m)
		}
	}
	return out, nil
}
