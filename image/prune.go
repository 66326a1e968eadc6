package image

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/containers/storage"
)

// PruneOptions control Prune.
type PruneOptions struct {
	// All removes every image no container uses, not only dangling ones.
	All bool
	// Filters narrow the images removed ("label=K[=V]", "until=24h", …; see FilterKeys).
	Filters []string
}

// PruneReport is one image Prune removed.
type PruneReport struct {
	ID   string
	Size int64
}

// PruneWarning is the question `image prune` asks before it removes anything, Podman's words.
func PruneWarning(all bool) string {
	if all {
		return "WARNING! This command removes all images without at least one container associated with them.\n"
	}
	return "WARNING! This command removes all dangling images.\n"
}

// Prune removes dangling images (untagged, with no image built on them), or with All every image that
// no container uses, and repeats until nothing more qualifies (removing an image can leave its parent
// dangling). Read-only images are never removed.
func Prune(ctx context.Context, store storage.Store, opts PruneOptions) ([]PruneReport, error) {
	filters := append([]string{"containers=false", "readonly=false"}, opts.Filters...)
	if !opts.All {
		filters = append(filters, "dangling=true")
	}
	// Compiled once: before=/since= name images that a round may remove.
	filter, err := compileFilters(store, filters, time.Now())
	if err != nil {
		return nil, err
	}
	var removed []PruneReport
	for {
		images, err := store.Images()
		if err != nil {
			return removed, fmt.Errorf("list images: %w", err)
		}
		tree, err := newLayerTree(store, images)
		if err != nil {
			return removed, err
		}
		cands, err := candidates(ctx, store, images, tree)
		if err != nil {
			return removed, err
		}
		// Newest first, so an image goes before the image it was built on.
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].img.Created.After(cands[j].img.Created) })
		n := 0
		for _, c := range cands {
			if !filter.match(c) {
				continue
			}
			size, err := store.ImageSize(c.img.ID)
			if err != nil {
				size = 0
			}
			if _, err := store.DeleteImage(c.img.ID, true); err != nil {
				return removed, fmt.Errorf("prune image %s: %w", shortID(c.img.ID), err)
			}
			removed = append(removed, PruneReport{ID: c.img.ID, Size: size})
			n++
		}
		if n == 0 {
			return removed, nil
		}
	}
}
