package slirpnet

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// PortMapping publishes Range consecutive container ports on the host, as Podman's PortMapping does.
type PortMapping struct {
	// HostIP is the host address to bind; "" binds every address (IPv4 and, with pasta, IPv6).
	HostIP string `json:"host_ip"`
	// HostPort is the first host port; 0 until Setup picks free ones.
	HostPort uint16 `json:"host_port"`
	// ContainerPort is the first container port.
	ContainerPort uint16 `json:"container_port"`
	// Protocol is "tcp" or "udp".
	Protocol string `json:"protocol"`
	// Range is the number of ports, at least 1.
	Range uint16 `json:"range"`
}

func (p PortMapping) n() uint16 {
	if p.Range == 0 {
		return 1
	}
	return p.Range
}

// hostAddr renders the host side of one port for messages: 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080.
func hostAddr(ip string, port uint16) string {
	if ip == "" {
		ip = "0.0.0.0"
	}
	return net.JoinHostPort(ip, strconv.Itoa(int(port)))
}

// ParsePorts parses -p/--publish values: [IP:][HOSTPORT:]CONTAINERPORT[/PROTO], where a port may be a
// range (8000-8010), an empty or 0 host port asks for a random free one at Setup, IPv6 addresses are
// bracketed ([::1]:8080:80) and PROTO is tcp (the default), udp or tcp,udp.
func ParsePorts(specs []string) ([]PortMapping, error) {
	var out []PortMapping
	for _, s := range specs {
		ms, err := parsePort(s)
		if err != nil {
			return nil, fmt.Errorf("invalid -p %q: %w", s, err)
		}
		out = append(out, ms...)
	}
	if err := checkOverlap(out); err != nil {
		return nil, err
	}
	return out, nil
}

func parsePort(s string) ([]PortMapping, error) {
	rest, proto, hasProto := strings.Cut(s, "/")
	protos := []string{"tcp"}
	if hasProto {
		protos = strings.Split(proto, ",")
		for _, p := range protos {
			switch p {
			case "tcp", "udp":
			case "sctp":
				return nil, fmt.Errorf("protocol sctp cannot be published rootless (want tcp or udp)")
			default:
				return nil, fmt.Errorf("unknown protocol %q (want tcp or udp)", p)
			}
		}
	}
	var ip string
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return nil, fmt.Errorf("missing ] after the IPv6 address")
		}
		ip = rest[1:end]
		rest = rest[end+1:]
		if !strings.HasPrefix(rest, ":") {
			return nil, fmt.Errorf("want [IPv6]:HOSTPORT:CONTAINERPORT")
		}
		rest = rest[1:]
		if parsed := net.ParseIP(ip); parsed == nil || parsed.To4() != nil {
			return nil, fmt.Errorf("%q is not an IPv6 address", ip)
		}
		if !strings.Contains(rest, ":") {
			rest = ":" + rest // [::1]:80 means a random host port on ::1
		}
	}
	parts := strings.Split(rest, ":")
	var hostPart, ctrPart string
	switch len(parts) {
	case 1:
		ctrPart = parts[0]
	case 2:
		hostPart, ctrPart = parts[0], parts[1]
	case 3:
		if ip != "" {
			return nil, fmt.Errorf("too many colons")
		}
		ip, hostPart, ctrPart = parts[0], parts[1], parts[2]
		parsed := net.ParseIP(ip)
		if parsed == nil {
			return nil, fmt.Errorf("%q is not an IP address", ip)
		}
		if parsed.To4() == nil {
			return nil, fmt.Errorf("put the IPv6 address in brackets: [%s]:%s:%s", ip, hostPart, ctrPart)
		}
	default:
		return nil, fmt.Errorf("want [IP:][HOSTPORT:]CONTAINERPORT[/PROTOCOL] (IPv6 addresses in brackets)")
	}
	if ip != "" {
		ip = net.ParseIP(ip).String()
	}
	cStart, cLen, err := parseRange(ctrPart, false)
	if err != nil {
		return nil, fmt.Errorf("container port %w", err)
	}
	var hStart, hLen uint16
	if hostPart != "" {
		if hStart, hLen, err = parseRange(hostPart, true); err != nil {
			return nil, fmt.Errorf("host port %w", err)
		}
		if hStart == 0 {
			hLen = cLen // 0 asks for random ports, as an empty host port does
		}
		if hLen != cLen {
			return nil, fmt.Errorf("host range %s has %d ports, container range %s has %d", hostPart, hLen, ctrPart, cLen)
		}
	}
	var out []PortMapping
	for _, p := range protos {
		out = append(out, PortMapping{HostIP: ip, HostPort: hStart, ContainerPort: cStart, Protocol: p, Range: cLen})
	}
	return out, nil
}

// parseRange parses "N" or "N-M"; zero is allowed for a host port (a random one).
func parseRange(s string, zeroOK bool) (start, n uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := parsePortNumber(a, zeroOK && !isRange)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, 1, nil
	}
	hi, err := parsePortNumber(b, false)
	if err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %q ends before it starts", s)
	}
	return lo, hi - lo + 1, nil
}

func parsePortNumber(s string, zeroOK bool) (uint16, error) {
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil || v == 0 && !zeroOK {
		if s == "" {
			return 0, fmt.Errorf("is missing")
		}
		return 0, fmt.Errorf("%q is not a number from 1 to 65535", s)
	}
	return uint16(v), nil
}

// checkOverlap rejects two mappings that would bind the same host port.
func checkOverlap(ms []PortMapping) error {
	for i, a := range ms {
		for _, b := range ms[:i] {
			if a.Protocol != b.Protocol || a.HostPort == 0 || b.HostPort == 0 || !ipsOverlap(a.HostIP, b.HostIP) {
				continue
			}
			aEnd, bEnd := int(a.HostPort)+int(a.n()), int(b.HostPort)+int(b.n())
			if int(a.HostPort) < bEnd && int(b.HostPort) < aEnd {
				p := max(a.HostPort, b.HostPort)
				return fmt.Errorf("host port %s/%s is published twice", hostAddr(a.HostIP, p), a.Protocol)
			}
		}
	}
	return nil
}

func ipsOverlap(a, b string) bool {
	wild := func(s string) bool { return s == "" || s == "0.0.0.0" || s == "::" }
	return a == b || wild(a) || wild(b)
}

// ExposedPorts returns a mapping to a random host port for each port an image exposes (-P). Keys are
// "80/tcp", "53/udp" or "80" (tcp); keys that are not ports are skipped. The result is sorted.
func ExposedPorts(imageExposed map[string]struct{}) []PortMapping {
	var out []PortMapping
	for k := range imageExposed {
		num, proto, ok := strings.Cut(k, "/")
		if !ok {
			proto = "tcp"
		}
		proto = strings.ToLower(proto)
		start, n, err := parseRange(num, false)
		if err != nil || proto != "tcp" && proto != "udp" {
			continue
		}
		out = append(out, PortMapping{ContainerPort: start, Protocol: proto, Range: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ContainerPort != out[j].ContainerPort {
			return out[i].ContainerPort < out[j].ContainerPort
		}
		return out[i].Protocol < out[j].Protocol
	})
	return out
}

// MergePorts returns published followed by the exposed mappings whose container ports published does
// not cover already: -p wins over -P.
func MergePorts(published, exposed []PortMapping) []PortMapping {
	covered := map[string]bool{}
	for _, p := range published {
		for i := uint16(0); i < p.n(); i++ {
			covered[portKey(p.ContainerPort+i, p.Protocol)] = true
		}
	}
	out := append([]PortMapping(nil), published...)
	for _, e := range exposed {
		for i := uint16(0); i < e.n(); i++ {
			if !covered[portKey(e.ContainerPort+i, e.Protocol)] {
				out = append(out, PortMapping{ContainerPort: e.ContainerPort + i, Protocol: e.Protocol, Range: 1})
			}
		}
	}
	return out
}

func portKey(port uint16, proto string) string { return strconv.Itoa(int(port)) + "/" + proto }

// CompactPorts sorts mappings by container port, protocol and host address and merges neighbours whose
// host and container ports both continue each other into ranges, as Podman stores them.
func CompactPorts(ms []PortMapping) []PortMapping {
	var single []PortMapping
	for _, m := range ms {
		for i := uint16(0); i < m.n(); i++ {
			h := m.HostPort
			if h != 0 {
				h += i
			}
			single = append(single, PortMapping{HostIP: m.HostIP, HostPort: h, ContainerPort: m.ContainerPort + i, Protocol: m.Protocol, Range: 1})
		}
	}
	sort.SliceStable(single, func(i, j int) bool {
		a, b := single[i], single[j]
		if a.HostIP != b.HostIP {
			return a.HostIP < b.HostIP
		}
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		return a.ContainerPort < b.ContainerPort
	})
	var out []PortMapping
	for _, s := range single {
		if k := len(out) - 1; k >= 0 {
			last := &out[k]
			if last.HostIP == s.HostIP && last.Protocol == s.Protocol && s.HostPort != 0 && last.HostPort != 0 &&
				int(last.ContainerPort)+int(last.Range) == int(s.ContainerPort) &&
				int(last.HostPort)+int(last.Range) == int(s.HostPort) {
				last.Range++
				continue
			}
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ContainerPort != out[j].ContainerPort {
			return out[i].ContainerPort < out[j].ContainerPort
		}
		return out[i].Protocol < out[j].Protocol
	})
	return out
}
