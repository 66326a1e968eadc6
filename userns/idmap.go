package userns

import (
	"fmt"
	"strconv"
	"strings"
)

// IDMap maps Size IDs starting at ContainerID inside the namespace to HostID outside, as one line of
// /proc/PID/uid_map does.
type IDMap struct {
	ContainerID, HostID, Size uint32
}

// Plan is how the user's namespace maps IDs: container root is the user, and IDs from 1 on are the user's
// subordinate ranges, stacked in file order. Without ranges the plan is a single mapping (Single).
type Plan struct {
	UIDs, GIDs []IDMap
	// Single is true when only the user's own IDs are mapped: files of other owners cannot be created,
	// so storage squashes ownership to the user.
	Single bool
}

// NewPlan builds the mapping for a user with host IDs uid and gid and the given subordinate ranges.
// Ranges that contain the user's own ID are left out, as newuidmap refuses them. A user with a uid range
// but no gid range (or the reverse) gets the single mapping: a half-mapped namespace breaks images.
func NewPlan(uid, gid uint32, subuids, subgids []Range) Plan {
	us, gs := stack(uid, subuids), stack(gid, subgids)
	if len(us) == 1 || len(gs) == 1 {
		return Plan{UIDs: us[:1], GIDs: gs[:1], Single: true}
	}
	return Plan{UIDs: us, GIDs: gs}
}

func stack(own uint32, ranges []Range) []IDMap {
	maps := []IDMap{{ContainerID: 0, HostID: own, Size: 1}}
	next := uint32(1)
	for _, r := range ranges {
		if own >= r.Start && own-r.Start < r.Count {
			continue
		}
		if uint64(next)+uint64(r.Count) > 1<<32-1 {
			break
		}
		maps = append(maps, IDMap{ContainerID: next, HostID: r.Start, Size: r.Count})
		next += r.Count
	}
	return maps
}

// args renders maps as the triplets newuidmap and newgidmap take after the PID.
func args(maps []IDMap) []string {
	var out []string
	for _, m := range maps {
		out = append(out, strconv.FormatUint(uint64(m.ContainerID), 10), strconv.FormatUint(uint64(m.HostID), 10),
			strconv.FormatUint(uint64(m.Size), 10))
	}
	return out
}

// procFormat renders maps in the format of /proc/PID/uid_map.
func procFormat(maps []IDMap) string {
	var b strings.Builder
	for _, m := range maps {
		fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
	}
	return b.String()
}

// ParseProcMap parses the content of /proc/PID/uid_map or gid_map.
func ParseProcMap(s string) ([]IDMap, error) {
	var maps []IDMap
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("parse id map line %q: want 3 fields", line)
		}
		var n [3]uint64
		for i := range f {
			v, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("parse id map line %q: %w", line, err)
			}
			n[i] = v
		}
		maps = append(maps, IDMap{ContainerID: uint32(n[0]), HostID: uint32(n[1]), Size: uint32(n[2])})
	}
	return maps, nil
}
