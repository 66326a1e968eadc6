package container

// User-defined networks (package netbridge) wired into the lifecycle: --network NAME[,NAME2],
// --network-alias and --ip. The hooks in network.go call these when Config.Network.Networks is set.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
)

// bridgeKind is the mode of a container on user-defined networks, as inspect shows it (Podman's).
const bridgeKind = "bridge"

// isBridgeMode reports whether a --network value names user-defined networks rather than a mode.
func isBridgeMode(mode string) bool {
	kind, _, _ := strings.Cut(mode, ":")
	switch kind {
	case "", "private", slirpnet.Slirp4netns, slirpnet.Pasta, slirpnet.None, slirpnet.Host, slirpnet.Container, slirpnet.NS:
		return false
	}
	return true
}

// checkBridgeOptions checks --network NAME[,NAME…] with --network-alias and --ip without a store.
func checkBridgeOptions(o NetworkOptions) error {
	for _, n := range strings.Split(o.Mode, ",") {
		if err := netbridge.ValidateName(n); err != nil {
			return fmt.Errorf("--network: %w", err)
		}
	}
	if _, err := slirpnet.ParsePorts(o.Publish); err != nil {
		return err
	}
	if err := slirpnet.ValidateAddHosts(o.AddHosts); err != nil {
		return err
	}
	return slirpnet.ValidateDNS(o.DNS)
}

// checkNotBridge refuses --network-alias and --ip without a user-defined network.
func checkNotBridge(o NetworkOptions) error {
	if len(o.Aliases) > 0 || o.IP != "" {
		return errors.New("--network-alias and --ip need --network NAME (a network made with skiff network create)")
	}
	return nil
}

// bridgeConfig is networkConfig for user-defined networks: each must exist; aliases and --ip apply to
// the first one, as in Podman.
func (e *Engine) bridgeConfig(o NetworkOptions, imageExposed map[string]struct{}, cfg *Config) error {
	if err := checkBridgeOptions(o); err != nil {
		return err
	}
	ports, err := slirpnet.ParsePorts(o.Publish)
	if err != nil {
		return err
	}
	ports = append(ports, o.Ports...)
	exposed := map[string]struct{}{}
	maps.Copy(exposed, imageExposed)
	if o.PublishAll {
		ports = slirpnet.MergePorts(ports, slirpnet.ExposedPorts(exposed))
	}
	store, err := netbridge.Open(e.store.GraphRoot())
	if err != nil {
		return err
	}
	var reqs []netbridge.Request
	for i, name := range strings.Split(o.Mode, ",") {
		var n *netbridge.Network
		if name == "bridge" || name == netbridge.DefaultNetwork {
			n, err = store.Default()
		} else {
			n, err = store.Get(name)
		}
		if err != nil {
			return fmt.Errorf("--network %s: %w", name, err)
		}
		r := netbridge.Request{Network: n.Name}
		if i == 0 {
			r.Aliases, r.IP = o.Aliases, o.IP
		}
		reqs = append(reqs, r)
	}
	if len(exposed) == 0 {
		exposed = nil
	}
	cfg.Network = NetworkConfig{
		Mode: bridgeKind, Networks: reqs, Ports: ports, Exposed: exposed, PublishAll: o.PublishAll,
		AddHosts: o.AddHosts, DNS: o.DNS, DNSSearch: o.DNSSearch, DNSOptions: o.DNSOptions, NoHosts: o.NoHosts,
	}
	return nil
}

// bridgeSpec connects c to its networks for this start and gives the spec the namespace and the names
// files.
func (e *Engine) bridgeSpec(c *Container, o *spec.Options) error {
	store, err := netbridge.Open(e.store.GraphRoot())
	if err != nil {
		return err
	}
	nc := c.Config.Network
	a, err := netbridge.Attach(context.Background(), store, netbridge.AttachOptions{
		ID: c.ID, Name: c.Name(), Hostname: c.Config.Hostname, Networks: nc.Networks, Ports: nc.Ports,
		DNS: nc.DNS, DNSSearch: nc.DNSSearch, DNSOptions: nc.DNSOptions, AddHosts: nc.AddHosts,
		FilesDir: e.runDir(c.ID),
	})
	if err != nil {
		return fmt.Errorf("container %s: %w (%w)", c.Name(), err, ErrNetworkSetup)
	}
	o.Namespaces.Net = a.NetNS
	c.State.Ports = encodePorts(a.Ports)
	files := []struct{ src, dest string }{{a.Files.ResolvConf, "/etc/resolv.conf"}, {a.Files.Hostname, "/etc/hostname"}}
	if !nc.NoHosts {
		files = append(files, struct{ src, dest string }{a.Files.Hosts, "/etc/hosts"})
	}
	for _, f := range files {
		o.Mounts = append(o.Mounts, bindMount(f.src, f.dest))
	}
	return nil
}

// bridgeTeardown disconnects c after a run.
func (e *Engine) bridgeTeardown(c *Container) {
	if len(c.Config.Network.Networks) == 0 {
		return
	}
	if err := netbridge.Detach(c.ID); err != nil {
		logrus.Warnf("container %s: networks: %v", c.Name(), err)
	}
}

// bridgeSettings fills inspect's network settings from the running member.
func (e *Engine) bridgeSettings(c *Container, ns *InspectNetworkSettings) {
	m := netbridge.Members()[c.ID]
	if m == nil || len(m.Endpoints) == 0 {
		return
	}
	ep := m.Endpoints[0]
	ns.IPAddress, ns.IPPrefixLen, ns.Gateway, ns.MacAddress = ep.IP, ep.PrefixLen, ep.Gateway, ep.MAC
	for _, ep := range m.Endpoints {
		if n := ns.Networks[ep.Network]; n != nil {
			n.IPAddress, n.IPPrefixLen, n.Gateway, n.MacAddress = ep.IP, ep.PrefixLen, ep.Gateway, ep.MAC
		}
	}
	ns.SandboxKey = m.NetNS
}

// NetworkUsers lists the containers (names) connected to network name, whatever their state.
func (e *Engine) NetworkUsers(name string) ([]string, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		for _, r := range c.Config.Network.Networks {
			if r.Network == name {
				out = append(out, c.Name())
				break
			}
		}
	}
	return out, nil
}

// NetworkContainers maps the IDs of the containers connected to network name to their names.
func (e *Engine) NetworkContainers(name string) (map[string]string, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range all {
		for _, r := range c.Config.Network.Networks {
			if r.Network == name {
				out[c.ID] = c.Name()
			}
		}
	}
	return out, nil
}

// NetworkConnect connects container nameOrID to a network from its next start (Podman connects a
// running container at once; skiff records it, see NetworkDisconnect).
func (e *Engine) NetworkConnect(ctx context.Context, nameOrID string, r netbridge.Request) error {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	nc := &c.Config.Network
	if len(nc.Networks) == 0 && nc.Mode != "" {
		return fmt.Errorf("container %s uses --network %s: only containers on networks can be connected to more", c.Name(), nc.Mode)
	}
	for _, have := range nc.Networks {
		if have.Network == r.Network {
			return fmt.Errorf("container %s is already connected to network %s: %w", c.Name(), r.Network, netbridge.ErrExists)
		}
	}
	nc.Networks = append(nc.Networks, r)
	nc.Mode = bridgeKind
	return e.save(c)
}

// NetworkDisconnect disconnects container nameOrID from a network from its next start.
func (e *Engine) NetworkDisconnect(ctx context.Context, nameOrID, network string) error {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	nc := &c.Config.Network
	i := slices.IndexFunc(nc.Networks, func(r netbridge.Request) bool { return r.Network == network })
	if i < 0 {
		return fmt.Errorf("container %s is not connected to network %s", c.Name(), network)
	}
	if len(nc.Networks) == 1 {
		return fmt.Errorf("container %s: network %s is its only network", c.Name(), network)
	}
	nc.Networks = slices.Delete(nc.Networks, i, i+1)
	return e.save(c)
}

// bindMount is a read-write bind mount of a names file.
func bindMount(src, dest string) rspec.Mount {
	return rspec.Mount{Destination: dest, Type: "bind", Source: src, Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}}
}
