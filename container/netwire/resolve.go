package netwire

import (
	"errors"
	"fmt"
	"maps"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/slirpnet"
)

// Peer is another container as the network wiring sees it: the one --network container:X joins.
type Peer struct {
	ID, Name string
	// Running is true while it runs (or is paused), with Pid its process.
	Running bool
	Pid     int
	// RunDir is its run directory, where its last start wrote its names files.
	RunDir  string
	Network Config
}

// Lookup finds a container by name or ID for --network container:X.
type Lookup func(nameOrID string) (Peer, error)

// Resolve turns o into the network a container is created with: the default mode, the container to
// join (by ID), the ports -P adds from imageExposed (the image's EXPOSE), the user-defined networks of
// the store under graphRoot. hostname is the hostname the mode gives a container that sets none ("" =
// its short ID). It refuses combinations no front end may ask for.
func Resolve(o Options, imageExposed map[string]struct{}, lookup Lookup, graphRoot string) (cfg Config, hostname string, err error) {
	if len(o.Networks) > 0 {
		cfg, err = resolveBridge(o, imageExposed, graphRoot)
		return cfg, "", err
	}
	if len(o.Aliases) > 0 || o.IP != "" {
		return cfg, "", errors.New("--network-alias and --ip need --network NAME (a network made with skiff network create)")
	}
	m := o.Mode
	if m.Kind == "" {
		k, err := slirpnet.DefaultKind()
		if err != nil {
			return cfg, "", err
		}
		if m, err = slirpnet.ParseMode("", k); err != nil {
			return cfg, "", err
		}
	}
	if m.Kind == slirpnet.Container {
		// Its names are the other container's (Podman refuses these as well).
		for flag, v := range map[string][]string{"--add-host": o.AddHosts, "--dns": o.DNS, "--dns-search": o.DNSSearch, "--dns-option": o.DNSOptions} {
			if len(v) > 0 {
				return cfg, "", fmt.Errorf("%s cannot be used with --network %s: the container uses the names of the container whose network it joins", flag, m)
			}
		}
	}
	exposed := exposedWith(o.Expose, imageExposed)
	ports := o.Ports
	if o.PublishAll {
		ports = slirpnet.MergePorts(ports, slirpnet.ExposedPorts(exposed))
	}
	if len(ports) > 0 && m.Kind == slirpnet.Host {
		// Podman's behaviour: the container has the host's ports already.
		logrus.Warnf("port mappings have been discarded: the container uses the host's network (--network host)")
		ports = nil
	}
	if err := m.CheckPorts(ports); err != nil {
		return cfg, "", err
	}
	switch m.Kind {
	case slirpnet.Container:
		other, err := lookup(m.Target)
		if err != nil {
			return cfg, "", fmt.Errorf("--network %s: %w", m, err)
		}
		m.Target = other.ID
	case slirpnet.NS:
		if _, err := os.Stat(m.Target); err != nil {
			return cfg, "", fmt.Errorf("--network %s: %w", m, err)
		}
	}
	if m.NewNetNS() {
		if err := slirpnet.ProbeNetNS(); err != nil {
			return cfg, "", err
		}
	}
	if m.Kind == slirpnet.Host {
		hostname = slirpnet.DefaultHostname(m, "")
	}
	return Config{
		Mode: m.String(), Ports: ports, Exposed: exposed, PublishAll: o.PublishAll,
		AddHosts: o.AddHosts, DNS: o.DNS, DNSSearch: o.DNSSearch, DNSOptions: o.DNSOptions, NoHosts: o.NoHosts,
	}, hostname, nil
}

// resolveBridge is Resolve for user-defined networks: each must exist; aliases and --ip apply to the
// first one, as in Podman.
func resolveBridge(o Options, imageExposed map[string]struct{}, graphRoot string) (Config, error) {
	exposed := exposedWith(o.Expose, imageExposed)
	ports := o.Ports
	if o.PublishAll {
		ports = slirpnet.MergePorts(ports, slirpnet.ExposedPorts(exposed))
	}
	store, err := netbridge.Open(graphRoot)
	if err != nil {
		return Config{}, err
	}
	var reqs []netbridge.Request
	for i, name := range o.Networks {
		var n *netbridge.Network
		if name == BridgeMode || name == netbridge.DefaultNetwork {
			n, err = store.Default()
		} else {
			n, err = store.Get(name)
		}
		if err != nil {
			return Config{}, fmt.Errorf("--network %s: %w", name, err)
		}
		r := netbridge.Request{Network: n.Name}
		if i == 0 {
			r.Aliases, r.IP = o.Aliases, o.IP
		}
		reqs = append(reqs, r)
	}
	return Config{
		Mode: BridgeMode, Networks: reqs, Ports: ports, Exposed: exposed, PublishAll: o.PublishAll,
		AddHosts: o.AddHosts, DNS: o.DNS, DNSSearch: o.DNSSearch, DNSOptions: o.DNSOptions, NoHosts: o.NoHosts,
	}, nil
}

// exposedWith merges the exposed ports asked for with the image's; nil for none.
func exposedWith(asked, image map[string]struct{}) map[string]struct{} {
	out := maps.Clone(asked)
	if out == nil {
		out = map[string]struct{}{}
	}
	maps.Copy(out, image)
	if len(out) == 0 {
		return nil
	}
	return out
}
