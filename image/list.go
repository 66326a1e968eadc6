package image

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/storage"
	"github.com/sirupsen/logrus"
)

// ListOptions selects the images List returns.
type ListOptions struct {
	// All includes intermediate images (untagged images other images are built on).
	All bool
	// Filters are --filter values, "KEY=VALUE" or "KEY!=VALUE"; see FilterKeys.
	Filters []string
}

// Summary describes one image. Its JSON form is what `images --format json` prints, field for field
// Podman's (except that RepoTags is filled in rather than null).
type Summary struct {
	ID          string `json:"Id"`
	ParentID    string `json:"ParentId"`
	RepoTags    []string
	RepoDigests []string
	Size        int64
	SharedSize  int
	VirtualSize int64
	Labels      map[string]string
	Containers  int
	ReadOnly    bool     `json:",omitempty"`
	Dangling    bool     `json:",omitempty"`
	Names       []string `json:",omitempty"`
	Digest      string   `json:",omitempty"`
	History     []string `json:",omitempty"`
	Created     int64
	CreatedAt   string
}

// CreatedTime is when the image was built (the config's "created", else when it was stored).
func (s Summary) CreatedTime() time.Time { return time.Unix(s.Created, 0).UTC() }

// List returns the local images that pass opts, newest first.
func List(ctx context.Context, store storage.Store, opts ListOptions) ([]Summary, error) {
	images, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	filter, err := compileFilters(store, opts.Filters, time.Now())
	if err != nil {
		return nil, err
	}
	tree, err := newLayerTree(store, images)
	if err != nil {
		return nil, err
	}
	cands, err := candidates(ctx, store, images, tree)
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, c := range cands {
		if (!opts.All && c.interm) || !filter.match(c) {
			continue
		}
		size, err := store.ImageSize(c.img.ID)
		if err != nil {
			logrus.Warnf("size of image %s: %v", shortID(c.img.ID), err)
			size = -1
		}
		out = append(out, summarize(c, tree.parent(c.img), size))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created > out[j].Created })
	return out, nil
}

// candidates gathers what filters look at for each image: labels, container count, dangling state.
func candidates(ctx context.Context, store storage.Store, images []storage.Image, tree *layerTree) ([]*candidate, error) {
	ctrs, err := store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	users := map[string]int{}
	for _, c := range ctrs {
		users[c.ImageID]++
	}
	out := make([]*candidate, 0, len(images))
	for i := range images {
		img := &images[i]
		c := &candidate{img: img, containers: users[img.ID], dangling: tree.dangling(img), interm: tree.intermediate(img)}
		if d, err := readDetails(ctx, store, img); err != nil {
			// One unreadable image must not hide the others; it simply has no labels.
			logrus.Warnf("%v", err)
		} else {
			c.labels = d.config.Config.Labels
		}
		out = append(out, c)
	}
	return out, nil
}

func summarize(c *candidate, parent string, size int64) Summary {
	img := c.img
	return Summary{
		ID:          img.ID,
		ParentID:    parent,
		RepoTags:    repoTags(img),
		RepoDigests: repoDigests(img),
		Size:        size,
		VirtualSize: size,
		Labels:      c.labels,
		Containers:  c.containers,
		ReadOnly:    img.ReadOnly,
		Dangling:    c.dangling,
		Names:       img.Names,
		Digest:      img.Digest.String(),
		History:     img.NamesHistory,
		Created:     img.Created.Unix(),
		CreatedAt:   img.Created.UTC().Format(time.RFC3339Nano),
	}
}

// repoTags lists the image's names that carry a tag.
func repoTags(img *storage.Image) []string {
	var out []string
	for _, n := range img.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		if _, ok := named.(reference.NamedTagged); ok {
			out = append(out, n)
		}
	}
	return out
}

// repoDigests lists REPO@DIGEST for every repository the image is named in and every digest it has.
func repoDigests(img *storage.Image) []string {
	digests := img.Digests
	if len(digests) == 0 && img.Digest != "" {
		digests = append(digests, img.Digest)
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range img.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		for _, d := range digests {
			s := named.Name() + "@" + d.String()
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
