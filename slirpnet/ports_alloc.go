package slirpnet

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// probe is a socket bound to a host port while Setup chooses ports, so that two random choices never
// meet. Setup closes every probe before the helpers bind the ports.
type probe struct{ fd int }

func (p probe) close() { unix.Close(p.fd) }

// bindProbe binds ip:port for proto the way the helpers will: TCP with SO_REUSEADDR (which still
// fails next to a listening socket), UDP without it (so any other user of the port is found). port 0
// asks the kernel for a free one, returned.
func bindProbe(ip string, port uint16, proto string) (probe, uint16, error) {
	addr := net.ParseIP(ip)
	family := unix.AF_INET
	if ip != "" && addr.To4() == nil {
		family = unix.AF_INET6
	}
	typ := unix.SOCK_STREAM
	if proto == "udp" {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return probe{}, 0, err
	}
	if proto == "tcp" {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET6 {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
		s := &unix.SockaddrInet6{Port: int(port)}
		copy(s.Addr[:], addr.To16())
		sa = s
	} else {
		s := &unix.SockaddrInet4{Port: int(port)}
		if addr != nil {
			copy(s.Addr[:], addr.To4())
		}
		sa = s
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return probe{}, 0, err
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return probe{}, 0, err
	}
	switch s := got.(type) {
	case *unix.SockaddrInet4:
		port = uint16(s.Port)
	case *unix.SockaddrInet6:
		port = uint16(s.Port)
	}
	return probe{fd}, port, nil
}

// portError explains a failure to bind a host port: `publish 127.0.0.1:18080/tcp: address already in
// use`. It wraps the errno, so callers can test errors.Is(err, syscall.EADDRINUSE).
func portError(ip string, port uint16, proto string, err error) error {
	hint := ""
	if errors.Is(err, syscall.EACCES) {
		if v := readSysctl("net/ipv4/ip_unprivileged_port_start"); v != "" {
			if start, e := strconv.Atoi(v); e == nil && int(port) < start {
				hint = fmt.Sprintf(" (ports below %d need root: set net.ipv4.ip_unprivileged_port_start=%d, or publish a higher port)", start, port)
			}
		}
	}
	return fmt.Errorf("publish %s/%s: %w%s", hostAddr(ip, port), proto, err, hint)
}

// allocatePorts checks that every fixed host port is free and picks free ports for the random ones
// (HostPort 0; a range gets consecutive ports). With both, the wildcard address "" also checks IPv6,
// which pasta binds too.
func allocatePorts(ms []PortMapping, both bool) ([]PortMapping, error) {
	var held []probe
	defer func() {
		for _, p := range held {
			p.close()
		}
	}()
	// check binds every port of m from its first host port on, and keeps the probes on success.
	check := func(m PortMapping, first uint16) error {
		var mine []probe
		for i := uint16(0); i < m.n(); i++ {
			port := first + i
			ips := []string{m.HostIP}
			if m.HostIP == "" && both && hasIPv6() {
				ips = append(ips, "::")
			}
			for _, ip := range ips {
				p, _, err := bindProbe(ip, port, m.Protocol)
				if err != nil {
					for _, q := range mine {
						q.close()
					}
					return portError(m.HostIP, port, m.Protocol, err)
				}
				mine = append(mine, p)
			}
		}
		held = append(held, mine...)
		return nil
	}
	out := make([]PortMapping, len(ms))
	for i, m := range ms {
		m.Range = m.n()
		if m.Protocol == "" {
			m.Protocol = "tcp"
		}
		if m.HostPort != 0 {
			if int(m.HostPort)+int(m.Range)-1 > 65535 {
				return nil, fmt.Errorf("publish %s/%s: the range ends beyond port 65535", hostAddr(m.HostIP, m.HostPort), m.Protocol)
			}
			if err := check(m, m.HostPort); err != nil {
				return nil, err
			}
			out[i] = m
			continue
		}
		var lastErr error
		for attempt := 0; attempt < 32 && m.HostPort == 0; attempt++ {
			p, first, err := bindProbe(m.HostIP, 0, m.Protocol)
			if err != nil {
				return nil, portError(m.HostIP, 0, m.Protocol, err)
			}
			p.close() // check binds it again, with the rest of the range
			if int(first)+int(m.Range)-1 > 65535 {
				continue
			}
			if lastErr = check(m, first); lastErr == nil {
				m.HostPort = first
			}
		}
		if m.HostPort == 0 {
			return nil, fmt.Errorf("publish %s/%s: no %d free consecutive ports found (%w)", hostAddr(m.HostIP, 0), m.Protocol, m.Range, lastErr)
		}
		out[i] = m
	}
	return out, nil
}

// hasIPv6 reports whether the host can bind IPv6 sockets.
func hasIPv6() bool {
	_, err := os.Stat("/proc/thread-self/net/if_inet6")
	return err == nil
}
