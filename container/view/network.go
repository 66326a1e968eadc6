package view

import (
	"fmt"
	"strings"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/slirpnet"
)

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
func inspectNetwork(c *container.Container, d *InspectData) {
	m := c.NetworkMode()
	d.HostConfig.NetworkMode = m.String()
	d.HostConfig.PortBindings = slirpnet.InspectPorts(c.Config.Network.Ports, nil)
	d.HostConfig.PublishAllPorts = c.Config.Network.PublishAll
	d.HostConfig.DNS = nonNil(c.Config.Network.DNS)
	d.HostConfig.DNSSearch = nonNil(c.Config.Network.DNSSearch)
	d.HostConfig.DNSOptions = nonNil(c.Config.Network.DNSOptions)
	d.HostConfig.ExtraHosts = nonNil(c.Config.Network.AddHosts)
	ns := InspectNetworkSettings{Ports: slirpnet.InspectPorts(c.Config.Network.Published(c.State.Ports), c.Config.Network.ExposedPorts())}
	running := c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused || c.State.Status == container.StatusStopping
	if running && m.Kind == slirpnet.Slirp4netns {
		if a, err := m.Addresses(); err == nil && len(a.Container) > 0 {
			ns.IPAddress, ns.IPPrefixLen = a.Container[0].String(), slirpPrefixLen(c.NetworkMode())
			if a.HostGateway != nil {
				ns.Gateway = a.HostGateway.String()
			}
		}
	}
	if running && m.NewNetNS() && c.State.Pid > 0 {
		ns.SandboxKey = fmt.Sprintf("/proc/%d/ns/net", c.State.Pid)
	}
	if m.Kind == netwire.BridgeMode {
		ns.Networks = map[string]*InspectNetwork{}
		for _, r := range c.Config.Network.Networks {
			ns.Networks[r.Network] = &InspectNetwork{NetworkID: r.Network, Aliases: append([]string{c.ID[:12]}, r.Aliases...)}
		}
		if running {
			bridgeSettings(c, &ns)
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

// bridgeSettings fills inspect's network settings from the running member.
func bridgeSettings(c *container.Container, ns *InspectNetworkSettings) {
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

// Ports returns the ports container nameOrID publishes while it runs (`skiff port`): none when it is
// not running.
func Ports(e *container.Engine, nameOrID string) (*container.Container, []slirpnet.PortMapping, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, nil, err
	}
	if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused {
		return c, nil, nil
	}
	return c, netwire.DecodePorts(c.State.Ports), nil
}
