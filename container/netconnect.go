package container

import (
	"context"

	"github.com/skiffproject/skiff/container/netwire"
)

// UpdateNetwork changes the recorded network of container nameOrID under its lock, from its next
// start: network connect and disconnect (netwire.AddNetwork, netwire.RemoveNetwork). Podman connects
// a running container at once; skiff records the change.
func (e *Engine) UpdateNetwork(ctx context.Context, nameOrID string, change func(name string, n *netwire.Config) error) error {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	if err := change(c.Name(), &c.Config.Network); err != nil {
		return err
	}
	return e.save(c)
}
