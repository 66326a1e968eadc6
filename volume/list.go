package volume

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// InspectData is what `volume inspect` prints for a volume: Podman's fields, in Podman's order.
type InspectData struct {
	Name        string            `json:"Name"`
	Driver      string            `json:"Driver"`
	Mountpoint  string            `json:"Mountpoint"`
	CreatedAt   time.Time         `json:"CreatedAt"`
	Labels      map[string]string `json:"Labels"`
	Scope       string            `json:"Scope"`
	Options     map[string]string `json:"Options"`
	UID         int               `json:"UID,omitempty"`
	GID         int               `json:"GID,omitempty"`
	Anonymous   bool              `json:"Anonymous,omitempty"`
	MountCount  uint              `json:"MountCount"`
	NeedsCopyUp bool              `json:"NeedsCopyUp,omitempty"`
	NeedsChown  bool              `json:"NeedsChown,omitempty"`
}

// Inspect returns what inspect prints for v.
func (v *Volume) Inspect() InspectData {
	d := InspectData{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.mountpoint, CreatedAt: v.CreatedAt,
		Labels: v.Labels, Scope: "local", Options: v.Options, Anonymous: v.Anonymous,
		MountCount: v.MountCount, NeedsCopyUp: v.NeedsCopyUp, NeedsChown: v.NeedsChown,
	}
	if d.Labels == nil {
		d.Labels = map[string]string{}
	}
	if d.Options == nil {
		d.Options = map[string]string{}
	}
	if v.UID > 0 {
		d.UID = v.UID
	}
	if v.GID > 0 {
		d.GID = v.GID
	}
	return d
}

// Inspect returns the inspect data of the named volumes, in order; names that match no volume are
// returned as errors (wrapping ErrNoSuchVolume) next to the volumes that were found.
func (s *Store) Inspect(names []string) ([]InspectData, []error) {
	var out []InspectData
	var errs []error
	for _, n := range names {
		v, err := s.Get(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, v.Inspect())
	}
	return out, errs
}

// ListFilterKeys are the keys `volume ls --filter` takes.
var ListFilterKeys = []string{"name", "label", "label!", "driver", "scope", "dangling", "anonymous", "until"}

// PruneFilterKeys are the keys `volume prune --filter` takes.
var PruneFilterKeys = []string{"label", "label!", "until"}

// filter is one parsed --filter KEY=VALUE.
type filter struct {
	key, value string
	re         *regexp.Regexp
	until      time.Time
	flag       bool
}

// Filters are parsed --filter values: values of one key match if any matches (name=a --filter
// name=b), different keys must all match; several label filters must all match, as in Podman.
type Filters struct{ byKey map[string][]filter }

// ParseFilters parses --filter values, allowing only the given keys.
func ParseFilters(values []string, keys []string) (Filters, error) {
	f := Filters{byKey: map[string][]filter{}}
	for _, kv := range values {
		k, v, ok := strings.Cut(kv, "=")
		known := false
		for _, key := range keys {
			known = known || key == k
		}
		if !ok || !known {
			return f, invalidf("--filter %q: want KEY=VALUE with KEY one of %s", kv, strings.Join(keys, ", "))
		}
		fl := filter{key: k, value: v}
		var err error
		switch k {
		case "name":
			if fl.re, err = regexp.Compile(v); err != nil {
				return f, invalidf("--filter %q: bad regular expression: %v", kv, err)
			}
		case "dangling", "anonymous":
			if fl.flag, err = strconv.ParseBool(v); err != nil {
				return f, invalidf("--filter %q: want %s=true or %s=false", kv, k, k)
			}
		case "until":
			if fl.until, err = parseUntil(v, time.Now()); err != nil {
				return f, invalidf("--filter %q: %v", kv, err)
			}
		case "label", "label!":
			if v == "" {
				return f, invalidf("--filter %q: want %s=KEY or %s=KEY=VALUE", kv, k, k)
			}
		}
		f.byKey[k] = append(f.byKey[k], fl)
	}
	return f, nil
}

// match reports whether v passes every filter; inUse is only consulted for dangling.
func (f Filters) match(v *Volume, inUse func() (bool, error)) (bool, error) {
	for key, fs := range f.byKey {
		switch key {
		case "label", "label!":
			for _, fl := range fs {
				if matchLabel(v.Labels, fl.value) != (key == "label") {
					return false, nil
				}
			}
			continue
		}
		any := false
		for _, fl := range fs {
			switch key {
			case "name":
				any = any || fl.re.MatchString(v.Name)
			case "driver":
				any = any || v.Driver == fl.value
			case "scope":
				any = any || fl.value == "local"
			case "anonymous":
				any = any || v.Anonymous == fl.flag
			case "until":
				any = any || v.CreatedAt.Before(fl.until)
			case "dangling":
				used, err := inUse()
				if err != nil {
					return false, err
				}
				any = any || used != fl.flag
			}
		}
		if !any {
			return false, nil
		}
	}
	return true, nil
}

// matchLabel matches "KEY" (present) or "KEY=VALUE".
func matchLabel(labels map[string]string, want string) bool {
	k, v, hasValue := strings.Cut(want, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

// parseUntil reads an until= value: a Go duration before now (10m, 24h), an RFC 3339 time, a date
// (2006-01-02) or Unix seconds.
func parseUntil(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)), nil
	}
	return time.Time{}, errors.New("want a duration (24h), an RFC 3339 time, a date (2006-01-02) or Unix seconds")
}

// List returns the volumes that pass f, sorted by name.
func (s *Store) List(f Filters) ([]*Volume, error) {
	all, err := s.All()
	if err != nil {
		return nil, err
	}
	var out []*Volume
	for _, v := range all {
		ok, err := f.match(v, func() (bool, error) {
			u, err := s.users(v.Name)
			return len(u) > 0, err
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}
