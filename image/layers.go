package image

import (
	"fmt"

	"github.com/containers/storage"
)

// layerTree relates images through their layers: an image is the parent of another when its top layer is
// the direct parent of the other's top layer. It tells dangling images (no names, no children) from
// intermediate ones (no names, but children), as Podman does.
type layerTree struct {
	parentOf map[string]string           // layer ID → parent layer ID
	byTop    map[string][]*storage.Image // top layer ID → images on it
	childOf  map[string]int              // layer ID → number of layers on top of it
}

func newLayerTree(store storage.Store, images []storage.Image) (*layerTree, error) {
	layers, err := store.Layers()
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	t := &layerTree{
		parentOf: make(map[string]string, len(layers)),
		byTop:    make(map[string][]*storage.Image, len(images)),
		childOf:  make(map[string]int, len(layers)),
	}
	for _, l := range layers {
		t.parentOf[l.ID] = l.Parent
	}
	for i := range images {
		if top := images[i].TopLayer; top != "" {
			t.byTop[top] = append(t.byTop[top], &images[i])
		}
	}
	// Count only layers that are some image's top layer: container layers do not make children.
	for top := range t.byTop {
		if p := t.parentOf[top]; p != "" {
			t.childOf[p]++
		}
	}
	return t, nil
}

// hasChildren reports whether another image is built directly on img's top layer.
func (t *layerTree) hasChildren(img *storage.Image) bool {
	return img.TopLayer != "" && t.childOf[img.TopLayer] > 0
}

// parent returns the ID of the image img was built on, or "".
func (t *layerTree) parent(img *storage.Image) string {
	if img.TopLayer == "" {
		return ""
	}
	p := t.parentOf[img.TopLayer]
	if p == "" {
		return ""
	}
	var best *storage.Image
	for _, cand := range t.byTop[p] {
		if best == nil || cand.Created.After(best.Created) {
			best = cand
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

// dangling reports an image with no names that no other image builds on.
func (t *layerTree) dangling(img *storage.Image) bool {
	return len(img.Names) == 0 && !t.hasChildren(img)
}

// intermediate reports an image with no names that other images build on; `images` hides these
// unless --all is given.
func (t *layerTree) intermediate(img *storage.Image) bool {
	return len(img.Names) == 0 && t.hasChildren(img)
}
