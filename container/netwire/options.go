package netwire

import (
	"fmt"
	"maps"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/slirpnet"
)

// Options is the network a container asks for, typed: the CLI parses its flags into it (ParseFlags),
// the Docker API fills it from HostConfig. At create Resolve resolves the default mode and the
// container to join and checks the values against each other and the image; it parses no strings.
type Options struct {
	// Mode is the network mode; a zero Kind is the default rootless network (slirpnet.DefaultKind).
	Mode slirpnet.Mode
	// Networks are user-defined networks (--network NAME[,NAME]); Mode is then unset.
	Networks []string
	// Ports are the ports to publish (-p); PublishAll (-P) publishes every exposed port on a random
	// host port.
	Ports      []slirpnet.PortMapping
	PublishAll bool
	// Expose are exposed ports besides the image's EXPOSE, keyed "80/tcp".
	Expose map[string]struct{}
	// AddHosts, DNS, DNSSearch and DNSOptions are --add-host, --dns, --dns-search and --dns-option,
	// checked (ParseFlags).
	AddHosts, DNS, DNSSearch, DNSOptions []string
	// NoHosts leaves the image's /etc/hosts alone (--no-hosts).
	NoHosts bool
	// Aliases (--network-alias) and IP (--ip) apply to the first user-defined network.
	Aliases []string
	IP      string
}

// Config is the network a container was created with (the record's Config.Network).
type Config struct {
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
	// Networks are the user-defined networks of --network NAME[,NAME] (Mode is then BridgeMode).
	Networks []netbridge.Request `json:"networks,omitempty"`
}

// BridgeMode is the mode of a container on user-defined networks, as inspect shows it (Podman's).
const BridgeMode = "bridge"

// ParsedMode returns the parsed mode of n: none for a record written before networking existed, and
// BridgeMode for user-defined networks. id names the container in a warning.
func (n Config) ParsedMode(id string) slirpnet.Mode {
	if len(n.Networks) > 0 {
		return slirpnet.Mode{Kind: BridgeMode}
	}
	if n.Mode == "" {
		return slirpnet.Mode{Kind: slirpnet.None}
	}
	m, err := slirpnet.ParseMode(n.Mode, slirpnet.BuiltinDefault)
	if err != nil {
		// Recorded by this code from a parsed mode: it parses. Fall back to an isolated namespace.
		logrus.Warnf("container %s: network %q: %v", slirpnet.ShortID(id), n.Mode, err)
		return slirpnet.Mode{Kind: slirpnet.None}
	}
	return m
}

// Published are the ports as ps and inspect show them: those of the current (or last) run, runPorts
// (EncodePorts), else the configured ones whose host port is known.
func (n Config) Published(runPorts string) []slirpnet.PortMapping {
	if runPorts != "" {
		return DecodePorts(runPorts)
	}
	var out []slirpnet.PortMapping
	for _, p := range n.Ports {
		if p.HostPort != 0 {
			out = append(out, p)
		}
	}
	return out
}

// ExposedPorts are the exposed ports, including the container ports of every published one (so that a
// random-port mapping not started yet still shows).
func (n Config) ExposedPorts() map[string]struct{} {
	out := maps.Clone(n.Exposed)
	if out == nil {
		out = map[string]struct{}{}
	}
	for _, p := range n.Ports {
		if p.HostPort == 0 {
			for i := uint16(0); i < max(p.Range, 1); i++ {
				out[fmt.Sprintf("%d/%s", p.ContainerPort+i, p.Protocol)] = struct{}{}
			}
		}
	}
	return out
}

// EncodePorts renders ports as comma-separated -p values with every host port given, which
// DecodePorts reads back: "127.0.0.1:18080:80/tcp,[::1]:8000-8001:8000-8001/udp". The record keeps
// the ports of a run in this form (a string keeps its State comparable).
func EncodePorts(ports []slirpnet.PortMapping) string {
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

// DecodePorts reads what EncodePorts wrote ("" is none).
func DecodePorts(s string) []slirpnet.PortMapping {
	if s == "" {
		return nil
	}
	ports, err := slirpnet.ParsePorts(strings.Split(s, ","))
	if err != nil {
		logrus.Warnf("recorded ports %q: %v", s, err)
		return nil
	}
	return ports
}
