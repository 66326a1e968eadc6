package image

import (
	"strings"

	"github.com/containers/image/v5/docker/reference"
)

// ListRow is one line of the `images` table: one per repository:tag name of an image, or a single
// "<none>" line for an image without a tagged name. Its fields are what --format templates see.
type ListRow struct {
	Repository   string
	Tag          string
	Digest       string
	ID           string // 12 characters, or "sha256:" + the full ID with --no-trunc
	Created      string // "2 hours ago"
	CreatedSince string // same as Created
	CreatedAt    string // "2026-11-22 20:26:08 +0000 UTC"
	Size         string // "4.27 MB"
	VirtualSize  string
	Containers   int
	ReadOnly     bool
	Dangling     bool
	Labels       map[string]string
	Names        []string
	History      string
}

// ListHeaders maps ListRow fields to the column headers Podman prints.
var ListHeaders = map[string]string{"ID": "IMAGE ID", "ReadOnly": "R/O", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED"}

// Rows expands summaries into table rows, keeping their order. noTrunc keeps full IDs.
func Rows(summaries []Summary, noTrunc bool) []ListRow {
	var rows []ListRow
	for _, s := range summaries {
		base := ListRow{
			Digest:      s.Digest,
			ID:          listID(s.ID, noTrunc),
			Created:     HumanSince(s.CreatedTime()),
			CreatedAt:   s.CreatedTime().String(),
			Size:        HumanSize(s.Size),
			VirtualSize: HumanSize(s.VirtualSize),
			Containers:  s.Containers,
			ReadOnly:    s.ReadOnly,
			Dangling:    s.Dangling,
			Labels:      s.Labels,
			Names:       s.Names,
			History:     strings.Join(s.History, ", "),
			Repository:  "<none>",
			Tag:         "<none>",
		}
		base.CreatedSince = base.Created
		var tagged, untagged []ListRow
		for _, n := range s.Names {
			r := base
			r.Repository, r.Tag = splitRepoTag(n)
			if r.Tag == "<none>" {
				untagged = append(untagged, r)
			} else {
				tagged = append(tagged, r)
			}
		}
		switch {
		case len(tagged) > 0:
			rows = append(rows, tagged...)
		case len(untagged) > 0:
			rows = append(rows, untagged[0])
		default:
			rows = append(rows, base)
		}
	}
	return rows
}

// QuietIDs lists each image's ID once, as `images -q` prints them.
func QuietIDs(summaries []Summary, noTrunc bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range summaries {
		if id := listID(s.ID, noTrunc); !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func listID(id string, noTrunc bool) string {
	if noTrunc {
		return "sha256:" + id
	}
	return shortID(id)
}

// splitRepoTag splits a stored name into repository and tag, "<none>" for a missing part.
func splitRepoTag(name string) (repo, tag string) {
	ref, err := reference.Parse(name)
	if err != nil {
		return "<none>", "<none>"
	}
	named, ok := ref.(reference.Named)
	if !ok || named.Name() == "" {
		return "<none>", "<none>"
	}
	if t, ok := ref.(reference.Tagged); ok && t.Tag() != "" {
		return named.Name(), t.Tag()
	}
	return named.Name(), "<none>"
}
