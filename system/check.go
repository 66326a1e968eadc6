package system

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/containers/storage"

	"github.com/skiffproject/skiff/cdi"
)

// Severity says how much a finding costs the user.
type Severity string

const (
	// Blocker: containers cannot run (at all, or as this user).
	Blocker Severity = "blocker"
	// Degraded: containers run, but a feature is missing or slower.
	Degraded Severity = "degraded"
)

// Finding is one problem `skiff system check` found: what is wrong, what breaks, and the fix.
type Finding struct {
	Check    string   `json:"check"`    // a short stable name: subuid, cgroups, store-layer, …
	Severity Severity `json:"severity"` // blocker or degraded
	Problem  string   `json:"problem"`
	Impact   string   `json:"impact"`
	Fix      string   `json:"fix"`
	Who      string   `json:"who"` // who can apply the fix: admin or user
	Repaired bool     `json:"repaired,omitempty"`
}

// CheckOptions are the flags of `skiff system check`.
type CheckOptions struct {
	Repair bool
	// Quick skips the layer digest checks (Podman's --quick).
	Quick bool
	// MaxUnreferencedAge: layers nothing uses that are older are orphans (Podman's --max, default 24h);
	// younger ones may belong to a pull in progress.
	MaxUnreferencedAge time.Duration
}

// CheckReport is what `skiff system check` prints.
type CheckReport struct {
	Host       []Finding `json:"host"`
	Store      []Finding `json:"store"`
	CDIDevices []string  `json:"cdiDevices"`
	CDIErrors  []string  `json:"cdiErrors,omitempty"`
}

// Clean reports whether nothing unrepaired was found.
func (r *CheckReport) Clean() bool {
	for _, f := range append(append([]Finding{}, r.Host...), r.Store...) {
		if !f.Repaired {
			return false
		}
	}
	return true
}

// Containers is what the container engine knows of the store's containers.
type Containers struct {
	// Held are the storage containers whose container runs or is paused: their mounts are in use.
	Held map[string]bool
	// Incomplete are storage containers without a record (a create was killed), with their creation time.
	Incomplete map[string]time.Time
	// Remove removes an incomplete container.
	Remove func(id string) error
}

// CheckHost lists what on this host blocks or degrades containers for this user; graphRoot is the
// storage root the user's store has or would have. It needs neither the user namespace nor the store, so
// that it reports even where they cannot be had.
func CheckHost(graphRoot string) []Finding {
	return checkHost(defaultProbe(), graphRoot)
}

// CheckCDI lists the CDI devices of the spec directories and the problems of the specs that cannot be used.
func CheckCDI() (devices, problems []string, err error) {
	reg, err := cdi.Load(nil)
	if err != nil {
		return nil, nil, err
	}
	devices = reg.Devices()
	if devices == nil {
		devices = []string{}
	}
	return devices, reg.Errors(), nil
}

// CheckStore checks the store; with o.Repair it removes what it found damaged and unmounts what nobody
// holds.
func CheckStore(store storage.Store, ctrs Containers, o CheckOptions) ([]Finding, error) {
	return checkStore(store, ctrs, o)
}

// StoreUnavailable is the finding for a store that could not be opened (for example because no user
// namespace can be created): the host findings say why.
func StoreUnavailable(err error) Finding {
	return Finding{Check: "store", Severity: Blocker, Who: "user",
		Problem: fmt.Sprintf("the store cannot be opened: %v", err),
		Impact:  "no image can be pulled and no container run",
		Fix:     "fix the blockers listed for the host, then run skiff system check again"}
}

// checkStore runs containers/storage's consistency check (orphaned layers, images with missing layers
// or data, containers of missing images) and looks for container mounts nobody holds: held names the
// storage containers whose skiff container runs (their mounts are in use).
func checkStore(store storage.Store, ctrs Containers, o CheckOptions) ([]Finding, error) {
	opts := storage.CheckMost()
	if o.Quick {
		opts.LayerDigests = false
	}
	age := o.MaxUnreferencedAge
	opts.LayerUnreferencedMaximumAge = &age
	report, err := store.Check(opts)
	if err != nil {
		return nil, fmt.Errorf("check storage %s: %w", store.GraphRoot(), err)
	}
	var out []Finding
	add := func(check, kind string, items map[string][]error, fix string) {
		for _, id := range sortedKeys(items) {
			out = append(out, Finding{Check: check, Severity: Degraded, Who: "user",
				Problem: fmt.Sprintf("%s %s: %s", kind, shortID(id), joinErrs(items[id])),
				Impact:  impactOf(kind, items[id]), Fix: fix})
		}
	}
	add("store-container", "container", report.Containers, "skiff system check --repair (removes the damaged container)")
	add("store-image", "image", report.Images, "skiff system check --repair (removes the damaged image; pull it again)")
	add("store-layer", "layer", report.Layers, "skiff system check --repair (removes the layer)")
	add("store-layer", "read-only layer", report.ROLayers, "ask the owner of the additional image store to repair it")
	add("store-image", "read-only image", report.ROImages, "ask the owner of the additional image store to repair it")
	if o.Repair && len(report.Containers)+len(report.Images)+len(report.Layers) > 0 {
		errs := store.Repair(report, storage.RepairEverything())
		if len(errs) > 0 {
			return out, fmt.Errorf("repair storage %s: %w", store.GraphRoot(), errors.Join(errs...))
		}
		for i := range out {
			if !strings.HasPrefix(out[i].Problem, "read-only") {
				out[i].Repaired = true
			}
		}
	}

	containers, err := store.Containers()
	if err != nil {
		return out, fmt.Errorf("list storage containers: %w", err)
	}
	for _, c := range containers {
		if ctrs.Held[c.ID] {
			continue
		}
		n, err := store.Mounted(c.ID)
		if err != nil || n == 0 {
			continue
		}
		f := Finding{Check: "store-mount", Severity: Degraded, Who: "user",
			Problem: fmt.Sprintf("container %s: its root file system is mounted %d time(s) but the container does not run", shortID(c.ID), n),
			Impact:  "the mount keeps the layer busy and its disk space in use until the container is removed",
			Fix:     "skiff system check --repair (unmounts it)"}
		if o.Repair {
			if _, err := store.Unmount(c.ID, true); err != nil {
				return out, fmt.Errorf("repair: unmount container %s: %w", shortID(c.ID), err)
			}
			f.Repaired = true
		}
		out = append(out, f)
	}

	ids := make([]string, 0, len(ctrs.Incomplete))
	for id, created := range ctrs.Incomplete {
		// A younger one may be a create in progress.
		if time.Since(created) >= o.MaxUnreferencedAge {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		f := Finding{Check: "store-container", Severity: Degraded, Who: "user",
			Problem: fmt.Sprintf("container %s is incomplete: the command creating it did not finish", shortID(id)),
			Impact:  "it cannot start, and its layer takes disk space",
			Fix:     "skiff system check --repair (or skiff rm " + shortID(id) + ")"}
		if o.Repair {
			if err := ctrs.Remove(id); err != nil {
				return out, fmt.Errorf("repair: remove incomplete container %s: %w", shortID(id), err)
			}
			f.Repaired = true
		}
		out = append(out, f)
	}
	return out, nil
}

func impactOf(kind string, errs []error) string {
	for _, err := range errs {
		if errors.Is(err, storage.ErrLayerUnreferenced) {
			return "no image or container uses it (a pull or build that was interrupted): it only takes disk space"
		}
	}
	switch kind {
	case "container":
		return "the container cannot start"
	case "image", "read-only image":
		return "containers cannot be created from the image"
	}
	return "images and containers that use the layer cannot be mounted"
}

func joinErrs(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

func sortedKeys(m map[string][]error) []string {
	k := make([]string, 0, len(m))
	for id := range m {
		k = append(k, id)
	}
	sort.Strings(k)
	return k
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
