package netwire

import (
	"fmt"
	"slices"

	"github.com/skiffproject/skiff/netbridge"
)

// AddNetwork connects the container called name, whose network is n, to the user-defined network r
// names (network connect).
func AddNetwork(r netbridge.Request) func(name string, n *Config) error {
	return func(name string, n *Config) error {
		if len(n.Networks) == 0 && n.Mode != "" {
			return fmt.Errorf("container %s uses --network %s: only containers on networks can be connected to more", name, n.Mode)
		}
		for _, have := range n.Networks {
			if have.Network == r.Network {
				return fmt.Errorf("container %s is already connected to network %s: %w", name, r.Network, netbridge.ErrExists)
			}
		}
		n.Networks = append(n.Networks, r)
		n.Mode = BridgeMode
		return nil
	}
}

// RemoveNetwork disconnects the container called name, whose network is n, from network (network
// disconnect); its last network stays.
func RemoveNetwork(network string) func(name string, n *Config) error {
	return func(name string, n *Config) error {
		i := slices.IndexFunc(n.Networks, func(r netbridge.Request) bool { return r.Network == network })
		if i < 0 {
			return fmt.Errorf("container %s is not connected to network %s", name, network)
		}
		if len(n.Networks) == 1 {
			return fmt.Errorf("container %s: network %s is its only network", name, network)
		}
		n.Networks = slices.Delete(n.Networks, i, i+1)
		return nil
	}
}
