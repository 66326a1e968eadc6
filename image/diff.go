package image

import (
	"fmt"
	"sort"

	"github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"
)

// FileChange is one path a layer adds (A), changes (C) or deletes (D), as `diff` prints it.
type FileChange struct {
	Kind string
	Path string
}

// DiffReport is diff's --format json: the paths of each kind.
type DiffReport struct {
	Changed []string `json:"changed,omitempty"`
	Added   []string `json:"added,omitempty"`
	Deleted []string `json:"deleted,omitempty"`
}

// LayerChanges lists what layer changes against its parent, sorted by path.
func LayerChanges(store storage.Store, layer string) ([]FileChange, error) {
	changes, err := store.Changes("", layer)
	if err != nil {
		return nil, fmt.Errorf("diff layer %s: %w", shortID(layer), err)
	}
	out := make([]FileChange, 0, len(changes))
	for _, c := range changes {
		kind := "C"
		switch c.Kind {
		case archive.ChangeAdd:
			kind = "A"
		case archive.ChangeDelete:
			kind = "D"
		}
		out = append(out, FileChange{Kind: kind, Path: c.Path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Diff lists what the image name refers to changes against its parent image: its top layer's changes.
func Diff(store storage.Store, name string) ([]FileChange, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return nil, err
	}
	return LayerChanges(store, img.TopLayer)
}

// NewDiffReport groups changes by kind.
func NewDiffReport(changes []FileChange) DiffReport {
	var r DiffReport
	for _, c := range changes {
		switch c.Kind {
		case "A":
			r.Added = append(r.Added, c.Path)
		case "D":
			r.Deleted = append(r.Deleted, c.Path)
		default:
			r.Changed = append(r.Changed, c.Path)
		}
	}
	return r
}
