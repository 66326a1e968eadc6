package container

import (
	"context"
	"fmt"
	"slices"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/netbridge"
)

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
	nc.Mode = netwire.BridgeMode
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
