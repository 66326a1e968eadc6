package slirpnet

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// PortsColumn renders the PORTS column of ps as Podman does:
// "127.0.0.1:18080->80/tcp, 0.0.0.0:8000-8002->8000-8002/udp", followed by exposed ports that are not
// published ("9000/tcp", ranges merged). exposed may be nil; its keys are "80/tcp" or "80".
func PortsColumn(ports []PortMapping, exposed map[string]struct{}) string {
	var parts []string
	published := map[string]bool{}
	for _, p := range CompactPorts(ports) {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		if p.Range > 1 {
			parts = append(parts, fmt.Sprintf("%s:%d-%d->%d-%d/%s", ip, p.HostPort, p.HostPort+p.Range-1,
				p.ContainerPort, p.ContainerPort+p.Range-1, p.Protocol))
		} else {
			parts = append(parts, fmt.Sprintf("%s:%d->%d/%s", ip, p.HostPort, p.ContainerPort, p.Protocol))
		}
		for i := uint16(0); i < p.n(); i++ {
			published[portKey(p.ContainerPort+i, p.Protocol)] = true
		}
	}
	// Exposed only: sorted by protocol, then port, merged into ranges (Podman's order).
	var rest []PortMapping
	for _, e := range ExposedPorts(exposed) {
		for i := uint16(0); i < e.n(); i++ {
			if k := portKey(e.ContainerPort+i, e.Protocol); !published[k] {
				published[k] = true
				rest = append(rest, PortMapping{ContainerPort: e.ContainerPort + i, Protocol: e.Protocol, Range: 1})
			}
		}
	}
	sort.SliceStable(rest, func(i, j int) bool {
		if rest[i].Protocol != rest[j].Protocol {
			return rest[i].Protocol < rest[j].Protocol
		}
		return rest[i].ContainerPort < rest[j].ContainerPort
	})
	for i := 0; i < len(rest); {
		j := i
		for j+1 < len(rest) && rest[j+1].Protocol == rest[i].Protocol && rest[j+1].ContainerPort == rest[j].ContainerPort+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d/%s", rest[i].ContainerPort, rest[j].ContainerPort, rest[i].Protocol))
		} else {
			parts = append(parts, fmt.Sprintf("%d/%s", rest[i].ContainerPort, rest[i].Protocol))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// PortLines renders `skiff port CONTAINER`: one "80/tcp -> 127.0.0.1:18080" line per published port,
// ranges listed port by port.
func PortLines(ports []PortMapping) []string {
	var out []string
	for _, p := range CompactPorts(ports) {
		for i := uint16(0); i < p.n(); i++ {
			out = append(out, fmt.Sprintf("%d/%s -> %s", p.ContainerPort+i, p.Protocol, hostAddrPodman(p.HostIP, p.HostPort+i)))
		}
	}
	return out
}

// LookupPort renders `skiff port CONTAINER PORT[/PROTO]`: the host addresses that container port is
// published on ("127.0.0.1:18080"). PROTO defaults to tcp.
func LookupPort(ports []PortMapping, query string) ([]string, error) {
	num, proto, ok := strings.Cut(query, "/")
	if !ok {
		proto = "tcp"
	}
	want, err := parsePortNumber(num, false)
	if err != nil || proto != "tcp" && proto != "udp" {
		return nil, fmt.Errorf("invalid port %q: want PORT or PORT/tcp or PORT/udp", query)
	}
	var out []string
	for _, p := range CompactPorts(ports) {
		if p.Protocol == proto && want >= p.ContainerPort && int(want) < int(p.ContainerPort)+int(p.n()) {
			out = append(out, hostAddrPodman(p.HostIP, p.HostPort+(want-p.ContainerPort)))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("failed to find published port %q", num+"/"+proto)
	}
	return out, nil
}

// hostAddrPodman renders a host address the way podman port does: IP:PORT, 0.0.0.0 for every address,
// IPv6 addresses without brackets.
func hostAddrPodman(ip string, port uint16) string {
	if ip == "" {
		ip = "0.0.0.0"
	}
	return ip + ":" + strconv.Itoa(int(port))
}

// InspectHostPort is one host binding in .NetworkSettings.Ports.
type InspectHostPort struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// InspectPorts returns .NetworkSettings.Ports of inspect: "80/tcp" → its host bindings, with exposed
// ports that are not published mapped to nil (null in JSON), as Podman shows them. HostIp is as given
// to -p ("" for every address), like Podman.
func InspectPorts(ports []PortMapping, exposed map[string]struct{}) map[string][]InspectHostPort {
	out := map[string][]InspectHostPort{}
	for _, p := range CompactPorts(ports) {
		for i := uint16(0); i < p.n(); i++ {
			k := portKey(p.ContainerPort+i, p.Protocol)
			out[k] = append(out[k], InspectHostPort{HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.HostPort + i))})
		}
	}
	for _, e := range ExposedPorts(exposed) {
		for i := uint16(0); i < e.n(); i++ {
			if k := portKey(e.ContainerPort+i, e.Protocol); out[k] == nil {
				out[k] = nil
			}
		}
	}
	return out
}
