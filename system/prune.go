package system

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/volume"
)

// PruneOptions control Prune.
type PruneOptions struct {
	// All removes every image no container uses, not only dangling ones (-a).
	All bool
	// Volumes also removes the volumes no container uses (--volumes).
	Volumes bool
}

// Engines are the stores system prune and system df work on.
type Engines struct {
	Containers *container.Engine
	Pods       *pods.Engine
	Networks   *netbridge.Store
	Volumes    *volume.Store
}

// PruneReport is what Prune removed, by kind, and the space it freed. Errs holds the failures; Prune goes
// on past them.
type PruneReport struct {
	Containers, Pods, Volumes, Images, Networks []string
	Reclaimed                                   int64
	Errs                                        []error
}

// PruneWarning is system prune's question, Podman's words.
func PruneWarning(o PruneOptions) string {
	s := "WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container\n"
	if o.Volumes {
		s += "\t- all volumes not used by at least one container\n"
	}
	if o.All {
		s += "\t- all images without at least one container associated with them\n"
	} else {
		s += "\t- all dangling images\n"
	}
	return s + "\t- all dangling build cache\n\nAre you sure you want to continue? [y/N] "
}

// Prune removes the pods whose containers have all exited, every container that is not running, the
// networks and (with Volumes) the volumes no container uses, then the dangling images (every unused
// image with All).
func Prune(ctx context.Context, e Engines, o PruneOptions) *PruneReport {
	r := &PruneReport{}
	pr, err := e.Pods.Prune(ctx)
	r.add(err)
	for _, p := range pr {
		if r.add(p.Err) {
			r.Pods = append(r.Pods, p.ID)
		}
	}
	cr, err := e.Containers.Prune(ctx)
	r.add(err)
	for _, c := range cr {
		if r.add(c.Err) {
			r.Containers = append(r.Containers, c.ID)
			r.Reclaimed += c.Size
		}
	}
	nets, err := e.Networks.Prune(nil)
	r.add(err)
	r.Networks = nets
	if o.Volumes {
		sizes := map[string]int64{}
		if all, err := e.Volumes.All(); err == nil {
			for _, v := range all {
				sizes[v.Name] = DirSize(v.Mountpoint())
			}
		}
		vr, err := e.Volumes.Prune(volume.Filters{})
		r.add(err)
		for _, v := range vr {
			if r.add(v.Err) {
				r.Volumes = append(r.Volumes, v.Name)
				r.Reclaimed += sizes[v.Name]
			}
		}
	}
	ir, err := image.Prune(ctx, e.Containers.Store(), image.PruneOptions{All: o.All})
	r.add(err)
	for _, i := range ir {
		r.Images = append(r.Images, i.ID)
		r.Reclaimed += i.Size
	}
	return r
}

// add records err and reports whether there was none.
func (r *PruneReport) add(err error) bool {
	if err != nil {
		r.Errs = append(r.Errs, err)
		return false
	}
	return true
}

// DirSize adds up the sizes of the regular files below dir (0 if it cannot be read).
func DirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
