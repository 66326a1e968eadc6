package container

// Reference wiring of package volume and of the ID modes into the lifecycle (scratch copy only).

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/userns"
	"github.com/skiffproject/skiff/volume"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// Volumes opens the user's volume store, with this engine telling it which containers use a volume
// and removing them for volume rm -f.
func (e *Engine) Volumes() (*volume.Store, error) {
	vs, err := volume.Open(e.store.GraphRoot())
	if err != nil {
		return nil, err
	}
	vs.Users = e.volumeUsers
	vs.RemoveUsers = func(names []string) error {
		for _, n := range names {
			if err := e.Remove(context.Background(), n, RemoveOptions{Force: true}); err != nil && !errors.Is(err, ErrNoSuchContainer) {
				return err
			}
		}
		return nil
	}
	return vs, nil
}

// mountSpecs completes the parsed mount flags at create: --volumes-from, then the image's VOLUMEs.
func (e *Engine) mountSpecs(o *CreateOptions, ic *ociv1.ImageConfig) ([]mountflag.Spec, error) {
	specs := slices.Clone(o.Mounts)
	for _, f := range o.VolumesFrom {
		other, err := e.lookup(f.Container)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Origin, err)
		}
		specs = mountflag.Inherit(specs, f, other.Config.Mounts)
	}
	return mountflag.AddImageVolumes(specs, slices.Collect(maps.Keys(ic.Volumes))), nil
}

// idMapping computes the container's user namespace at create.
func idMapping(m userns.Mode) (userns.Mapping, error) {
	if m.Kind == userns.ModeDefault {
		return userns.Mapping{}, nil
	}
	nsU, nsG, err := userns.ReadNamespaceMaps()
	if err != nil {
		return userns.Mapping{}, err
	}
	return m.Mappings(nsU, nsG, uint32(userns.HostUID()), uint32(userns.HostGID()))
}

// startMounts runs at start with the rootfs mounted: keep-id's account, the user, the volumes.
func (e *Engine) startMounts(c *Container, rootfs string, o *spec.Options) error {
	m := c.Config.IDMapping
	var extra []rspec.Mount
	if m.HasUser {
		var dests []string
		for _, s := range c.Config.Mounts {
			dests = append(dests, s.Destination)
		}
		uid, gid := m.UID, m.GID
		a := spec.KeepIDAccount(userns.HostUID(), userns.HostGID(), uid, gid, dests, c.Config.WorkingDir)
		copyDir := ""
		if c.Config.ReadOnly {
			d, err := e.store.ContainerRunDirectory(c.ID)
			if err != nil {
				return err
			}
			copyDir = d
		}
		mounts, err := spec.AddAccount(rootfs, a, copyDir)
		if err != nil {
			return err
		}
		extra = append(extra, mounts...)
	}
	user, err := spec.ResolveUser(rootfs, c.Config.User)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.Name(), err)
	}
	if slices.Contains(c.Config.GroupAdd, spec.KeepGroups) {
		rt, err := e.runtimeFor(c)
		if err != nil {
			return err
		}
		if err := spec.CheckKeepGroups(rt.Path, c.Config.GroupAdd); err != nil {
			return err
		}
		o.Annotations = maps.Clone(o.Annotations)
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[spec.KeepGroupsAnnotation] = "1"
	} else {
		groups, err := spec.ResolveGroups(rootfs, c.Config.GroupAdd)
		if err != nil {
			return err
		}
		user.AdditionalGIDs = append(user.AdditionalGIDs, groups...)
	}
	o.User = user
	vs, err := e.Volumes()
	if err != nil {
		return err
	}
	so := m.StorageOptions()
	mounts, err := vs.Mounts(c.Config.Mounts, volume.Target{RootFS: rootfs, UID: user.UID, GID: user.GID, UIDMap: so.UIDMap, GIDMap: so.GIDMap})
	if err != nil {
		return fmt.Errorf("container %s: %w", c.Name(), err)
	}
	c.State.VolumesCounted = true
	if err := m.MakeAccessible(rootfs); err != nil {
		return err
	}
	o.Mounts = append(append(o.Mounts, mounts...), extra...)
	if m.Own() {
		o.IDMappings = spec.IDMappings{UIDs: m.SpecUIDs(), GIDs: m.SpecGIDs()}
	}
	return nil
}

// releaseVolumes undoes startMounts's counting when a run ends.
func (e *Engine) releaseVolumes(c *Container) error {
	if !c.State.VolumesCounted {
		return nil
	}
	vs, err := e.Volumes()
	if err != nil {
		return err
	}
	if err := vs.Release(c.Config.Mounts); err != nil {
		return err
	}
	c.State.VolumesCounted = false
	return nil
}

// removeVolumes removes the anonymous volumes of a removed container (rm -v, run --rm).
func (e *Engine) removeVolumes(c *Container) error {
	vs, err := e.Volumes()
	if err != nil {
		return err
	}
	return vs.RemoveAnonymous(c.Config.Mounts)
}

// volumeUsers lists the containers whose record mounts the volume called name.
func (e *Engine) volumeUsers(name string) ([]string, error) {
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		if slices.ContainsFunc(c.Config.Mounts, func(s mountflag.Spec) bool { return s.Type == mountflag.TypeVolume && s.Source == name }) {
			out = append(out, c.Name())
		}
	}
	return out, nil
}
