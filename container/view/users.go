package view

// Which containers use an object or depend on a container: the in-use checks of secret rm and
// network rm, and the order of rm --depend.

import (
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/slirpnet"
)

// SecretUser names a container that uses the secret with ID id, or "".
func SecretUser(e *container.Engine, id string) string {
	all, err := e.All()
	if err != nil {
		return ""
	}
	for _, c := range all {
		for _, r := range c.Config.Secrets {
			if r.ID == id {
				return c.Name()
			}
		}
	}
	return ""
}

// NetworkUsers lists the containers (names) connected to network name, whatever their state.
func NetworkUsers(e *container.Engine, name string) ([]string, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		for _, r := range c.Config.Network.Networks {
			if r.Network == name {
				out = append(out, c.Name())
				break
			}
		}
	}
	return out, nil
}

// NetworkContainers maps the IDs of the containers connected to network name to their names.
func NetworkContainers(e *container.Engine, name string) (map[string]string, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range all {
		for _, r := range c.Config.Network.Networks {
			if r.Network == name {
				out[c.ID] = c.Name()
			}
		}
	}
	return out, nil
}

// RemovalOrder returns container nameOrID and every container that depends on it, recursively, each
// after the containers that depend on it (rm --depend): a container that joins another's network
// namespace (--network container:) depends on it, and so do a pod's members on its infra container.
func RemovalOrder(e *container.Engine, nameOrID string) ([]string, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	var visit func(c *container.Container)
	visit = func(c *container.Container) {
		if seen[c.ID] {
			return
		}
		seen[c.ID] = true
		for _, o := range all {
			if dependsOn(e, o, c) {
				visit(o)
			}
		}
		out = append(out, c.ID)
	}
	visit(c)
	return out, nil
}

// dependsOn reports whether container o needs container c.
func dependsOn(e *container.Engine, o, c *container.Container) bool {
	if o.ID == c.ID {
		return false
	}
	if p := o.Config.Pod; p != nil && !p.Infra && p.InfraID == c.ID {
		return true
	}
	if m := o.NetworkMode(); m.Kind == slirpnet.Container {
		if t, err := e.Get(m.Target); err == nil && t.ID == c.ID {
			return true
		}
	}
	return false
}
