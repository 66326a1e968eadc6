package container

// The container's network: package slirpnet wired into create, start, stop, rm, inspect and ps.
//
// At create the flags become a NetworkConfig (the mode with the default filled in, the ports, the names
// options). At each start the names files (/etc/hosts, /etc/resolv.conf, /etc/hostname) are written
// into the run directory and bind-mounted, and the spec gets the network namespace: a new one, the
// host's, another container's, or a path. For slirp4netns and pasta the monitor runs `runtime create`
// instead of `runtime run --detach`; between the two, launch calls startNetwork, which runs
// slirpnet.Setup against /proc/PID/ns/net and then `runtime start`. Every clean-up of a run
// (cleanupRun: stop, rm, the monitor's clean-up after an exit, repair) tears the network down.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/trace"
)

// NetworkOptions are the network flags of create and run, as given.
type NetworkOptions struct {
	// Mode is --network ("" = the default rootless network, see slirpnet.DefaultKind).
	Mode string
	// Publish are -p values; PublishAll (-P) publishes every exposed port on a random host port.
	Publish    []string
	PublishAll bool
	// Expose are --expose values (PORT[/PROTO] or a range), added to the image's EXPOSE.
	Expose []string
	// AddHosts, DNS, DNSSearch and DNSOptions are --add-host, --dns, --dns-search and --dns-option.
	AddHosts, DNS, DNSSearch, DNSOptions []string
	// NoHosts leaves the image's /etc/hosts alone (--no-hosts).
	NoHosts bool
	// Aliases (--network-alias) and IP (--ip) apply to the first user-defined network (netbridge.go).
	Aliases []string
	IP      string
}

// NetworkConfig is the network a container was created with (Config.Network).
type NetworkConfig struct {
	// Mode is the --network value in its canonical form (slirpnet.Mode.String): "slirp4netns",
	// "pasta:-T,none", "container:ID", … "" is a record written before networking existed: none.
	Mode string `json:"mode,omitempty"`
	// Ports are the ports to publish; a HostPort of 0 is chosen at each start.
	Ports []slirpnet.PortMapping `json:"ports,omitempty"`
	// Exposed are the image's EXPOSE and --expose ports ("80/tcp").
	Exposed    map[string]struct{} `json:"exposed,omitempty"`
	PublishAll bool                `json:"publishAll,omitempty"`
	AddHosts   []string            `json:"addHosts,omitempty"`
	DNS        []string            `json:"dns,omitempty"`
	DNSSearch  []string            `json:"dnsSearch,omitempty"`
	DNSOptions []string            `json:"dnsOptions,omitempty"`
	NoHosts    bool                `json:"noHosts,omitempty"`
	// Networks are the user-defined networks of --network NAME[,NAME] (Mode is then "bridge", netbridge.go).
	Networks []netbridge.Request `json:"networks,omitempty"`
}

// Files of the names a start writes into the run directory.
const (
	hostsFile    = "hosts"
	resolvFile   = "resolv.conf"
	hostnameFile = "hostname"
)

// ErrNetworkSetup is wrapped by a start that failed while connecting the container's network (a
// published port that is taken, a helper that failed): run removes the container it created.
var ErrNetworkSetup = errors.New("network setup failed")

// networkSetupError is a failure of slirpnet.Setup: its message is Setup's, and it matches
// ErrNetworkSetup.
type networkSetupError struct{ error }

func (e networkSetupError) Unwrap() error      { return e.error }
func (networkSetupError) Is(target error) bool { return target == ErrNetworkSetup }

// parsedNetwork is NetworkOptions checked.
type parsedNetwork struct {
	mode   slirpnet.Mode
	ports  []slirpnet.PortMapping
	expose map[string]struct{}
}

// CheckNetworkOptions checks the network flags without touching anything: the CLI calls it before
// the store is opened.
func CheckNetworkOptions(o NetworkOptions) error {
	_, err := parseNetworkOptions(o)
	return err
}

func parseNetworkOptions(o NetworkOptions) (parsedNetwork, error) {
	var p parsedNetwork
	if isBridgeMode(o.Mode) {
		return p, checkBridgeOptions(o)
	} else if err := checkNotBridge(o); err != nil {
		return p, err
	}
	def := ""
	if o.Mode == "" || o.Mode == "private" {
		k, err := slirpnet.DefaultKind()
		if err != nil {
			return p, err
		}
		def = k
	}
	m, err := slirpnet.ParseMode(o.Mode, def)
	if err != nil {
		return p, err
	}
	p.mode = m
	if p.ports, err = slirpnet.ParsePorts(o.Publish); err != nil {
		return p, err
	}
	p.expose = map[string]struct{}{}
	for _, e := range o.Expose {
		num, proto, ok := strings.Cut(e, "/")
		if !ok {
			proto = "tcp"
		}
		key := num + "/" + strings.ToLower(proto)
		if len(slirpnet.ExposedPorts(map[string]struct{}{key: {}})) == 0 {
			return p, fmt.Errorf("invalid --expose %q: want PORT[/tcp|/udp] or a range START-END[/PROTO]", e)
		}
		p.expose[key] = struct{}{}
	}
	if err := slirpnet.ValidateAddHosts(o.AddHosts); err != nil {
		return p, err
	}
	if err := slirpnet.ValidateDNS(o.DNS); err != nil {
		return p, err
	}
	if err := slirpnet.ValidateDNSSearch(o.DNSSearch); err != nil {
		return p, err
	}
	if m.Kind == slirpnet.Container {
		// Its names are the other container's (Podman refuses these as well).
		for flag, v := range map[string][]string{"--add-host": o.AddHosts, "--dns": o.DNS, "--dns-search": o.DNSSearch, "--dns-option": o.DNSOptions} {
			if len(v) > 0 {
				return p, fmt.Errorf("%s cannot be used with --network %s: the container uses the names of the container whose network it joins", flag, m)
			}
		}
	}
	return p, nil
}

// networkConfig resolves the network flags at create: the default mode, the container to join, the
// ports -P adds from the image's EXPOSE. imageExposed is the image's ExposedPorts.
func (e *Engine) networkConfig(o NetworkOptions, imageExposed map[string]struct{}, cfg *Config) error {
	if isBridgeMode(o.Mode) {
		return e.bridgeConfig(o, imageExposed, cfg)
	}
	p, err := parseNetworkOptions(o)
	if err != nil {
		return err
	}
	m := p.mode
	exposed := maps.Clone(p.expose)
	for k := range imageExposed {
		exposed[k] = struct{}{}
	}
	ports := p.ports
	if o.PublishAll {
		ports = slirpnet.MergePorts(ports, slirpnet.ExposedPorts(exposed))
	}
	if len(ports) > 0 && m.Kind == slirpnet.Host {
		// Podman's behaviour: the container has the host's ports already.
		logrus.Warnf("port mappings have been discarded: the container uses the host's network (--network host)")
		ports = nil
	}
	if err := m.CheckPorts(ports); err != nil {
		return err
	}
	switch m.Kind {
	case slirpnet.Container:
		other, err := e.lookup(m.Target)
		if err != nil {
			return fmt.Errorf("--network %s: %w", m, err)
		}
		m.Target = other.ID
	case slirpnet.NS:
		if _, err := os.Stat(m.Target); err != nil {
			return fmt.Errorf("--network %s: %w", m, err)
		}
	}
	if m.NewNetNS() {
		if err := slirpnet.ProbeNetNS(); err != nil {
			return err
		}
	}
	if cfg.Hostname == "" && m.Kind == slirpnet.Host {
		cfg.Hostname = slirpnet.DefaultHostname(m, "")
	}
	if len(exposed) == 0 {
		exposed = nil
	}
	cfg.Network = NetworkConfig{
		Mode: m.String(), Ports: ports, Exposed: exposed, PublishAll: o.PublishAll,
		AddHosts: o.AddHosts, DNS: o.DNS, DNSSearch: o.DNSSearch, DNSOptions: o.DNSOptions, NoHosts: o.NoHosts,
	}
	return nil
}

// networkMode returns the parsed mode of c: none for a record written before networking existed.
func (c *Container) networkMode() slirpnet.Mode {
	if len(c.Config.Network.Networks) > 0 {
		return slirpnet.Mode{Kind: bridgeKind}
	}
	if c.Config.Network.Mode == "" {
		return slirpnet.Mode{Kind: slirpnet.None}
	}
	m, err := slirpnet.ParseMode(c.Config.Network.Mode, slirpnet.BuiltinDefault)
	if err != nil {
		// Recorded by this code from a parsed mode: it parses. Fall back to an isolated namespace.
		logrus.Warnf("container %s: network %q: %v", shortID(c.ID), c.Config.Network.Mode, err)
		return slirpnet.Mode{Kind: slirpnet.None}
	}
	return m
}

// needsNetworkSetup reports whether c's network is connected between `runtime create` and `runtime
// start` (slirp4netns, pasta); other modes use `runtime run --detach`.
func (c *Container) needsNetworkSetup() bool { return c.networkMode().HasHelper() }

// networkSpec sets the network namespace of c's spec and adds the bind mounts of its names files,
// which it writes into the run directory. It runs at every start.
func (e *Engine) networkSpec(c *Container, o *spec.Options) error {
	dir := e.runDir(c.ID)
	m := c.networkMode()
	nc := c.Config.Network
	if len(nc.Networks) > 0 {
		return e.bridgeSpec(c, o)
	}
	var files slirpnet.NameFiles
	switch m.Kind {
	case slirpnet.Host:
		o.Namespaces.Net = "host"
	case slirpnet.NS:
		o.Namespaces.Net = m.Target
	case slirpnet.Container:
		other, err := e.lookup(m.Target)
		if err != nil {
			return fmt.Errorf("container %s: --network %s: %w", c.Name(), m, err)
		}
		e.observe(other)
		if other.State.Status != StatusRunning && other.State.Status != StatusPaused {
			return fmt.Errorf("container %s: --network container:%s: container %s is not running: %w", c.Name(), other.Name(), other.Name(), ErrNotRunning)
		}
		if other.networkMode().Kind == slirpnet.Host {
			o.Namespaces.Net = "host"
		} else {
			o.Namespaces.Net = fmt.Sprintf("/proc/%d/ns/net", other.State.Pid)
		}
		// The other container's files, as its last start wrote them.
		od := e.runDir(other.ID)
		files = slirpnet.NameFiles{Hosts: filepath.Join(od, hostsFile), ResolvConf: filepath.Join(od, resolvFile)}
		if other.Config.Network.NoHosts {
			files.Hosts = ""
		}
	}
	if m.Kind != slirpnet.Container {
		var err error
		files, err = slirpnet.WriteNames(dir, m, slirpnet.Names{
			ID: c.ID, Name: c.Name(), Hostname: c.Config.Hostname, AddHosts: nc.AddHosts,
			DNS: nc.DNS, DNSSearch: nc.DNSSearch, DNSOptions: nc.DNSOptions,
		})
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name(), err)
		}
		if nc.NoHosts {
			files.Hosts = ""
		}
	}
	for _, f := range []struct{ src, dest string }{
		{files.Hosts, "/etc/hosts"}, {files.ResolvConf, "/etc/resolv.conf"}, {files.Hostname, "/etc/hostname"},
	} {
		if f.src == "" {
			continue
		}
		if _, err := os.Stat(f.src); err != nil {
			continue // a container:X whose X predates the names files
		}
		// Before the volumes: a -v on /etc/hosts replaces this one.
		o.Mounts = append(o.Mounts, rspec.Mount{Destination: f.dest, Type: "bind", Source: f.src,
			Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}})
	}
	return nil
}

// startNetwork connects the network of c, which the runtime created as proc and has not started yet,
// then has the monitor start it. On error the monitor kills the container and the caller deletes it;
// nothing of the network is left running.
func (e *Engine) startNetwork(ctx context.Context, c *Container, proc *monitor.Process) error {
	if !c.needsNetworkSetup() {
		return nil
	}
	n, err := slirpnet.Setup(ctx, slirpnet.Config{
		Mode:      c.networkMode(),
		NetNSPath: fmt.Sprintf("/proc/%d/ns/net", proc.Pid),
		PID:       proc.Pid,
		Ports:     c.Config.Network.Ports,
		RunDir:    e.runDir(c.ID),
	})
	if err != nil {
		proc.Abort()
		return networkSetupError{fmt.Errorf("start container %s: %w", c.Name(), err)}
	}
	c.State.Ports = encodePorts(n.Ports())
	trace.Mark("network set-up")
	if err := proc.Start(); err != nil {
		var ce *monitor.CreateError
		if errors.As(err, &ce) {
			return fmt.Errorf("start container %s: %w", c.Name(), oci.InvokeError(ce.Stderr))
		}
		return fmt.Errorf("start container %s: %w", c.Name(), err)
	}
	trace.Mark("monitor: runtime start")
	return nil
}

// teardownNetwork stops the helpers of c's last run, if any. A failure is reported but does not stop a
// clean-up: the helpers exit with the container in any case (see slirpnet's package doc).
func (e *Engine) teardownNetwork(c *Container) {
	e.bridgeTeardown(c)
	if err := slirpnet.Teardown(e.runDir(c.ID)); err != nil {
		logrus.Warnf("container %s: %v", c.Name(), err)
	}
}

// launchCommand is the runtime command the monitor runs: `create` when the network must be connected
// before the container's process starts, `run --detach` otherwise.
func launchCommand(c *Container, rt *oci.Runtime, bundle, pidFile, console string) []string {
	if c.needsNetworkSetup() {
		return rt.CreateCommand(bundle, c.ID, pidFile, console, c.preserveFDs)
	}
	return runCommand(rt, bundle, c.ID, pidFile, console, c.preserveFDs)
}

// publishedPorts are the ports of c as ps and inspect show them: those of the current (or last) run,
// else the configured ones whose host port is known.
func (c *Container) publishedPorts() []slirpnet.PortMapping {
	if c.State.Ports != "" {
		return c.runPorts()
	}
	var out []slirpnet.PortMapping
	for _, p := range c.Config.Network.Ports {
		if p.HostPort != 0 {
			out = append(out, p)
		}
	}
	return out
}

// exposedPorts are the exposed ports of c, including the container ports of every published one (so
// that a random-port mapping not started yet still shows).
func (c *Container) exposedPorts() map[string]struct{} {
	out := maps.Clone(c.Config.Network.Exposed)
	if out == nil {
		out = map[string]struct{}{}
	}
	for _, p := range c.Config.Network.Ports {
		if p.HostPort == 0 {
			for i := uint16(0); i < max(p.Range, 1); i++ {
				out[fmt.Sprintf("%d/%s", p.ContainerPort+i, p.Protocol)] = struct{}{}
			}
		}
	}
	return out
}

// portsColumn is the PORTS column of ps.
func (c *Container) portsColumn() string {
	return slirpnet.PortsColumn(c.publishedPorts(), c.exposedPorts())
}

// Ports returns the ports container nameOrID publishes while it runs (`skiff port`): none when it is
// not running.
func (e *Engine) Ports(nameOrID string) (*Container, []slirpnet.PortMapping, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, nil, err
	}
	if c.State.Status != StatusRunning && c.State.Status != StatusPaused {
		return c, nil, nil
	}
	return c, c.runPorts(), nil
}

// runPorts decodes State.Ports.
func (c *Container) runPorts() []slirpnet.PortMapping {
	if c.State.Ports == "" {
		return nil
	}
	ports, err := slirpnet.ParsePorts(strings.Split(c.State.Ports, ","))
	if err != nil {
		logrus.Warnf("container %s: recorded ports %q: %v", shortID(c.ID), c.State.Ports, err)
		return nil
	}
	return ports
}

// encodePorts renders ports as comma-separated -p values with every host port given, which
// slirpnet.ParsePorts reads back: "127.0.0.1:18080:80/tcp,[::1]:8000-8001:8000-8001/udp".
func encodePorts(ports []slirpnet.PortMapping) string {
	var out []string
	for _, p := range ports {
		host, ctr := fmt.Sprint(p.HostPort), fmt.Sprint(p.ContainerPort)
		if p.Range > 1 {
			host += fmt.Sprintf("-%d", p.HostPort+p.Range-1)
			ctr += fmt.Sprintf("-%d", p.ContainerPort+p.Range-1)
		}
		s := host + ":" + ctr + "/" + p.Protocol
		switch {
		case strings.Contains(p.HostIP, ":"):
			s = "[" + p.HostIP + "]:" + s
		case p.HostIP != "":
			s = p.HostIP + ":" + s
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// InspectNetworkSettings is the NetworkSettings section of inspect, as Podman shapes it.
type InspectNetworkSettings struct {
	EndpointID             string                                `json:"EndpointID"`
	Gateway                string                                `json:"Gateway"`
	IPAddress              string                                `json:"IPAddress"`
	IPPrefixLen            int                                   `json:"IPPrefixLen"`
	IPv6Gateway            string                                `json:"IPv6Gateway"`
	GlobalIPv6Address      string                                `json:"GlobalIPv6Address"`
	GlobalIPv6PrefixLen    int                                   `json:"GlobalIPv6PrefixLen"`
	MacAddress             string                                `json:"MacAddress"`
	Bridge                 string                                `json:"Bridge"`
	SandboxID              string                                `json:"SandboxID"`
	HairpinMode            bool                                  `json:"HairpinMode"`
	LinkLocalIPv6Address   string                                `json:"LinkLocalIPv6Address"`
	LinkLocalIPv6PrefixLen int                                   `json:"LinkLocalIPv6PrefixLen"`
	Ports                  map[string][]slirpnet.InspectHostPort `json:"Ports"`
	SandboxKey             string                                `json:"SandboxKey"`
	// Networks are the user-defined networks the container is connected to, by name (bridge mode only).
	Networks map[string]*InspectNetwork `json:"Networks,omitempty"`
}

// InspectNetwork is one entry of NetworkSettings.Networks, as Podman 4 shapes it.
type InspectNetwork struct {
	EndpointID          string            `json:"EndpointID"`
	Gateway             string            `json:"Gateway"`
	IPAddress           string            `json:"IPAddress"`
	IPPrefixLen         int               `json:"IPPrefixLen"`
	IPv6Gateway         string            `json:"IPv6Gateway"`
	GlobalIPv6Address   string            `json:"GlobalIPv6Address"`
	GlobalIPv6PrefixLen int               `json:"GlobalIPv6PrefixLen"`
	MacAddress          string            `json:"MacAddress"`
	NetworkID           string            `json:"NetworkID"`
	DriverOpts          map[string]string `json:"DriverOpts"`
	IPAMConfig          map[string]string `json:"IPAMConfig"`
	Links               []string          `json:"Links"`
	Aliases             []string          `json:"Aliases"`
}

// inspectNetwork fills the network parts of d for c.
func (e *Engine) inspectNetwork(c *Container, d *InspectData) {
	m := c.networkMode()
	d.HostConfig.NetworkMode = m.String()
	d.HostConfig.PortBindings = slirpnet.InspectPorts(c.Config.Network.Ports, nil)
	d.HostConfig.PublishAllPorts = c.Config.Network.PublishAll
	d.HostConfig.DNS = nonNil(c.Config.Network.DNS)
	d.HostConfig.DNSSearch = nonNil(c.Config.Network.DNSSearch)
	d.HostConfig.DNSOptions = nonNil(c.Config.Network.DNSOptions)
	d.HostConfig.ExtraHosts = nonNil(c.Config.Network.AddHosts)
	ns := InspectNetworkSettings{Ports: slirpnet.InspectPorts(c.publishedPorts(), c.exposedPorts())}
	running := c.State.Status == StatusRunning || c.State.Status == StatusPaused || c.State.Status == StatusStopping
	if running && m.Kind == slirpnet.Slirp4netns {
		if a, err := m.Addresses(); err == nil && len(a.Container) > 0 {
			ns.IPAddress, ns.IPPrefixLen = a.Container[0].String(), slirpPrefixLen(c.networkMode())
			if a.HostGateway != nil {
				ns.Gateway = a.HostGateway.String()
			}
		}
	}
	if running && m.NewNetNS() && c.State.Pid > 0 {
		ns.SandboxKey = fmt.Sprintf("/proc/%d/ns/net", c.State.Pid)
	}
	if m.Kind == bridgeKind {
		ns.Networks = map[string]*InspectNetwork{}
		for _, r := range c.Config.Network.Networks {
			ns.Networks[r.Network] = &InspectNetwork{NetworkID: r.Network, Aliases: append([]string{c.ID[:12]}, r.Aliases...)}
		}
		if running {
			e.bridgeSettings(c, &ns)
		}
	}
	d.NetworkSettings = ns
}

// slirpPrefixLen is the prefix length of slirp4netns's network (its cidr option, else /24).
func slirpPrefixLen(m slirpnet.Mode) int {
	cidr := m.Options["cidr"]
	if _, after, ok := strings.Cut(cidr, "/"); ok {
		n := 0
		if _, err := fmt.Sscanf(after, "%d", &n); err == nil {
			return n
		}
	}
	return 24
}
