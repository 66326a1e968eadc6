package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/cgroups"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/userns"
)

// Values of --cgroups. skiff never gives the monitor a cgroup of its own, so enabled, no-conmon and
// split all put the container, and only it, in a cgroup below its creator's; disabled gives it none.
const (
	CgroupsEnabled  = "enabled"
	CgroupsDisabled = "disabled"
	CgroupsNoConmon = "no-conmon"
	CgroupsSplit    = "split"
)

// CgroupOptions are a container's resource limits and cgroup flags.
type CgroupOptions struct {
	Resources cgroups.Resources `json:"resources"`
	// Mode is --cgroups ("" = enabled).
	Mode string `json:"mode,omitempty"`
	// NS is --cgroupns: host ("", Podman's default on cgroup v1) or private.
	NS string `json:"ns,omitempty"`
	// Parent is --cgroup-parent: relative to the creator's cgroup in each hierarchy, or absolute;
	// "" = the subtree delegated to the user (cgroups.DelegatedName).
	Parent string `json:"parent,omitempty"`
	// Manager is the global --cgroup-manager: cgroupfs ("" too); systemd falls back to cgroupfs with
	// Podman's warning, as skiff drives no systemd cgroup delegation.
	Manager string `json:"manager,omitempty"`
}

// ErrNoLimits: limits were asked for where none can be enforced.
var ErrNoLimits = errors.New("resource limits cannot be enforced")

// cgroupConfig records the cgroup options and devices of o, which checkCgroupOptions checked, in cfg.
func cgroupConfig(o *CreateOptions, cfg *Config) error {
	cfg.Cgroup = o.Cgroup
	cfg.Devices = o.Devices
	return nil
}

// checkCgroupOptions checks the cgroup options and devices of o. Limits are refused here, before
// anything is pulled or stored, where no cgroup is delegated.
func checkCgroupOptions(o *CreateOptions) error {
	switch o.Cgroup.Manager {
	case "", "cgroupfs":
		o.Cgroup.Manager = "cgroupfs"
	case "systemd":
		// Podman's fallback where the systemd manager cannot delegate a cgroup (no cgroup v2 session).
		logrus.Warnf("The cgroup manager is set to systemd, but skiff only uses cgroups delegated as a cgroupfs subtree")
		logrus.Warnf("Falling back to --cgroup-manager=cgroupfs")
		o.Cgroup.Manager = "cgroupfs"
	default:
		return fmt.Errorf("--cgroup-manager %q: want cgroupfs or systemd", o.Cgroup.Manager)
	}
	cg := o.Cgroup
	switch cg.Mode {
	case "", CgroupsEnabled, CgroupsNoConmon, CgroupsSplit, CgroupsDisabled:
	default:
		return fmt.Errorf("--cgroups %q: want enabled, disabled, no-conmon or split", cg.Mode)
	}
	switch cg.NS {
	case "", "host", "private":
	default:
		return fmt.Errorf("--cgroupns %q: want host or private", cg.NS)
	}
	if err := cg.Resources.Validate(); err != nil {
		return err
	}
	limited := !cg.Resources.IsZero() || cg.Parent != ""
	if cg.Mode == CgroupsDisabled && limited {
		return fmt.Errorf("--cgroups=disabled: the container has no cgroup, so it cannot take resource limits or --cgroup-parent: %w", ErrNoLimits)
	}
	if limited {
		if _, err := cgroups.Find(cg.Parent, userns.HostUID()); err != nil {
			return fmt.Errorf("%w: %w", ErrNoLimits, err)
		}
		if err := cgroups.CheckSupport(cg.Resources); err != nil {
			return err
		}
	}
	for _, d := range o.Devices {
		if err := spec.CheckDevice(d); err != nil {
			return err
		}
	}
	return nil
}

// cgroupSpec puts the container in a cgroup where one is delegated (or where --cgroup-parent says),
// with its limits; a container without limits runs without a cgroup where there is none.
func cgroupSpec(c *Container, o *spec.Options) error {
	cg := c.Config.Cgroup
	o.CgroupNS = cg.NS
	o.Devices = c.Config.Devices
	if cg.Mode == CgroupsDisabled {
		return nil
	}
	parent, err := cgroups.Find(cg.Parent, userns.HostUID())
	if err != nil {
		if cg.Resources.IsZero() && cg.Parent == "" {
			logrus.Debugf("container %s runs without a cgroup: %v", shortID(c.ID), err)
			return nil
		}
		return fmt.Errorf("start container %s: %w: %w", c.Name(), ErrNoLimits, err)
	}
	o.CgroupsPath = cgroups.ContainerPath(parent, c.ID)
	o.Resources = cg.Resources.OCI()
	return nil
}

// UpdateOptions are the limits `skiff update` changes; zero fields stay as they are.
type UpdateOptions struct {
	Resources cgroups.Resources
}

// Update changes the resource limits of a container: in its cgroup if it runs, and in its record for
// every later start.
func (e *Engine) Update(ctx context.Context, nameOrID string, o UpdateOptions) (*Container, error) {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	if o.Resources.IsZero() {
		return c, fmt.Errorf("update container %s: no limit given (hint: --memory, --cpus, --pids-limit, …)", c.Name())
	}
	res := c.Config.Cgroup.Resources.Merge(o.Resources)
	if err := res.Validate(); err != nil {
		return c, fmt.Errorf("update container %s: %w", c.Name(), err)
	}
	if c.Config.Cgroup.Mode == CgroupsDisabled {
		return c, fmt.Errorf("update container %s: it was created with --cgroups=disabled: %w", c.Name(), ErrNoLimits)
	}
	if _, err := cgroups.Find(c.Config.Cgroup.Parent, userns.HostUID()); err != nil {
		return c, fmt.Errorf("update container %s: %w: %w", c.Name(), ErrNoLimits, err)
	}
	if err := cgroups.CheckSupport(o.Resources); err != nil {
		return c, fmt.Errorf("update container %s: %w", c.Name(), err)
	}
	if c.State.Status == StatusRunning || c.State.Status == StatusPaused {
		if c.State.CgroupPath == "" {
			return c, fmt.Errorf("update container %s: it was started without a cgroup: restart it to apply limits: %w", c.Name(), ErrNoLimits)
		}
		rt, err := e.runtimeFor(c)
		if err != nil {
			return c, err
		}
		if err := rt.WithCgroup().Update(ctx, c.ID, res.OCI()); err != nil {
			return c, fmt.Errorf("update container %s: %w", c.Name(), err)
		}
	}
	c.Config.Cgroup.Resources = res
	return c, e.save(c)
}
