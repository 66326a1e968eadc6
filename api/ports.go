package api

import (
	dcontainer "github.com/docker/docker/api/types/container"

	"github.com/skiffproject/skiff/slirpnet"
)

// dockerPorts expands port mappings (each a range) into Docker's list entries, one per port.
func dockerPorts(ports []slirpnet.PortMapping) []dcontainer.Port {
	out := []dcontainer.Port{}
	for _, p := range ports {
		n := p.Range
		if n == 0 {
			n = 1
		}
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		for i := uint16(0); i < n; i++ {
			out = append(out, dcontainer.Port{IP: ip, PrivatePort: p.ContainerPort + i, PublicPort: p.HostPort + i, Type: p.Protocol})
		}
	}
	return out
}
