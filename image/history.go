package image

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/containers/storage"
)

// HistoryEntry is one step of an image's history, newest first, as `history --format json` prints it
// (Podman's field names, including its lower-case "created" and the RFC 3339 "Created").
type HistoryEntry struct {
	ID          string    `json:"id"` // the image whose top layer this step made, or "<missing>"
	CreatedTime time.Time `json:"created"`
	CreatedBy   string    `json:",omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Size        int64     `json:"size"`
	Comment     string    `json:"comment,omitempty"`
	Created     string    `json:"Created"` // CreatedTime in RFC 3339, seconds precision
}

// History returns the history of the image name refers to, newest step first. Steps that made a layer
// get that layer's size; a step whose layer is the top layer of a local image gets that image's ID.
func History(ctx context.Context, store storage.Store, name string) ([]HistoryEntry, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return nil, err
	}
	d, err := readDetails(ctx, store, img)
	if err != nil {
		return nil, err
	}
	images, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	tree, err := newLayerTree(store, images)
	if err != nil {
		return nil, err
	}
	layer := img.TopLayer
	used := map[string]bool{}
	hist := d.config.History
	out := make([]HistoryEntry, 0, len(hist))
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		e := HistoryEntry{ID: "<missing>", CreatedBy: h.CreatedBy, Comment: h.Comment}
		if h.Created != nil {
			e.CreatedTime = *h.Created
		}
		e.Created = e.CreatedTime.Format(time.RFC3339)
		if imgs := tree.byTop[layer]; layer != "" && len(imgs) > 0 {
			if id := imgs[0].ID; !used[id] {
				e.ID, used[id] = id, true
			}
			for _, im := range imgs {
				e.Tags = append(e.Tags, im.Names...)
			}
		}
		if !h.EmptyLayer {
			if layer == "" {
				return nil, fmt.Errorf("history of image %s: more non-empty history entries than layers", shortID(img.ID))
			}
			l, err := store.Layer(layer)
			if err != nil {
				return nil, fmt.Errorf("history of image %s: layer %s: %w", shortID(img.ID), shortID(layer), err)
			}
			e.Size = l.UncompressedSize
			layer = l.Parent
		}
		out = append(out, e)
	}
	return out, nil
}

// HistoryRow is one line of the `history` table; its fields are what --format templates see.
type HistoryRow struct {
	ID        string
	Created   string
	CreatedBy string
	Size      string
	Comment   string
	Tags      []string
}

// HistoryHeaders maps HistoryRow fields to Podman's column headers.
var HistoryHeaders = map[string]string{"CreatedBy": "CREATED BY"}

// HistoryRows formats entries for the table: IDs cut to 12 characters and CREATED BY to 45 unless
// noTrunc; with human, times as "2 hours ago" and sizes as "4.27 MB", else RFC 3339 and bytes.
func HistoryRows(entries []HistoryEntry, noTrunc, human bool) []HistoryRow {
	rows := make([]HistoryRow, 0, len(entries))
	for _, e := range entries {
		r := HistoryRow{ID: e.ID, CreatedBy: e.CreatedBy, Comment: e.Comment, Tags: e.Tags}
		if !noTrunc {
			r.ID = shortID(e.ID)
			if len(r.CreatedBy) > 45 {
				r.CreatedBy = r.CreatedBy[:42] + "..."
			}
		}
		if human {
			r.Created = HumanSince(e.CreatedTime)
			r.Size = HumanSize(e.Size)
		} else {
			r.Created = e.CreatedTime.Format(time.RFC3339)
			r.Size = strconv.FormatInt(e.Size, 10)
		}
		rows = append(rows, r)
	}
	return rows
}
