package image

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/storage"
)

// FilterKeys lists the keys --filter accepts for images, prune and list alike.
var FilterKeys = []string{"after", "before", "containers", "dangling", "digest", "id", "intermediate", "label", "readonly", "reference", "since", "until"}

// candidate is one image under test by a filter.
type candidate struct {
	img        *storage.Image
	labels     map[string]string
	containers int
	dangling   bool
	interm     bool
}

type filterFunc func(*candidate) bool

// imageFilter is a compiled set of --filter values: filters with different keys must all match; several
// "reference" or "id" values match when any of them does (as in Docker), every other repeated key
// must match each time.
type imageFilter struct {
	all map[string][]filterFunc
}

func (f *imageFilter) match(c *candidate) bool {
	for key, fns := range f.all {
		orKey := key == "reference" || key == "id"
		ok := !orKey
		for _, fn := range fns {
			if orKey && fn(c) {
				ok = true
				break
			}
			if !orKey && !fn(c) {
				ok = false
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// compileFilters parses specs ("key=value" or "key!=value"). store resolves the image named by
// before=/since=.
func compileFilters(store storage.Store, specs []string, now time.Time) (*imageFilter, error) {
	f := &imageFilter{all: map[string][]filterFunc{}}
	for _, spec := range specs {
		key, value, negate, err := splitFilter(spec)
		if err != nil {
			return nil, err
		}
		var fn filterFunc
		switch key {
		case "reference":
			fn = referenceFilter(store, value)
		case "dangling", "intermediate", "readonly", "containers":
			b, err := strconv.ParseBool(value)
			if err != nil {
				return nil, fmt.Errorf("filter %q: %s takes true or false", spec, key)
			}
			fn = boolFilter(key, b)
		case "before", "since", "after":
			img, err := Lookup(store, value)
			if err != nil {
				return nil, fmt.Errorf("filter %q: %w", spec, err)
			}
			ref := img.Created
			if key == "before" {
				fn = func(c *candidate) bool { return c.img.Created.Before(ref) }
			} else {
				key = "since"
				fn = func(c *candidate) bool { return c.img.Created.After(ref) }
			}
		case "until":
			t, err := parseUntil(value, now)
			if err != nil {
				return nil, fmt.Errorf("filter %q: %w", spec, err)
			}
			fn = func(c *candidate) bool { return c.img.Created.Before(t) }
		case "label":
			k, v, hasValue := strings.Cut(value, "=")
			fn = func(c *candidate) bool {
				got, ok := c.labels[k]
				return ok && (!hasValue || got == v)
			}
		case "id":
			id := strings.TrimPrefix(value, "sha256:")
			fn = func(c *candidate) bool { return strings.HasPrefix(c.img.ID, id) }
		case "digest":
			if !strings.HasPrefix(value, "sha256:") {
				return nil, fmt.Errorf("filter %q: a digest starts with \"sha256:\"", spec)
			}
			fn = func(c *candidate) bool {
				for _, d := range append([]string{c.img.Digest.String()}, digestStrings(c.img)...) {
					if strings.HasPrefix(d, value) {
						return true
					}
				}
				return false
			}
		default:
			return nil, fmt.Errorf("filter %q: unknown key %q (supported: %s)", spec, key, strings.Join(FilterKeys, ", "))
		}
		if negate {
			pos := fn
			fn = func(c *candidate) bool { return !pos(c) }
		}
		f.all[key] = append(f.all[key], fn)
	}
	return f, nil
}

func splitFilter(spec string) (key, value string, negate bool, err error) {
	if k, v, ok := strings.Cut(spec, "!="); ok {
		return k, v, true, nil
	}
	if k, v, ok := strings.Cut(spec, "="); ok {
		return k, v, false, nil
	}
	return "", "", false, fmt.Errorf("filter %q: want KEY=VALUE or KEY!=VALUE", spec)
}

func boolFilter(key string, want bool) filterFunc {
	return func(c *candidate) bool {
		switch key {
		case "dangling":
			return c.dangling == want
		case "intermediate":
			return c.interm == want
		case "readonly":
			return c.img.ReadOnly == want
		default: // containers
			return (c.containers > 0) == want
		}
	}
}

// referenceFilter matches value, a path.Match pattern, against each name of an image in every form
// Podman tries: the full name, without the registry, only the last component, each with and without
// its tag. An image the pattern names exactly (as Lookup resolves it) matches too.
func referenceFilter(store storage.Store, pattern string) filterFunc {
	var exactID string
	if img, err := Lookup(store, pattern); err == nil {
		exactID = img.ID
	}
	return func(c *candidate) bool {
		if c.img.ID == exactID {
			return true
		}
		for _, n := range c.img.Names {
			for _, form := range referenceForms(n) {
				if ok, _ := path.Match(pattern, form); ok {
					return true
				}
			}
		}
		return false
	}
}

// referenceForms lists the strings a reference filter is matched against for the stored name n.
func referenceForms(n string) []string {
	named, err := reference.ParseNormalizedNamed(n)
	if err != nil {
		return []string{n}
	}
	full := named.String()
	repo := named.Name()
	suffix := full[len(repo):] // ":tag", "@digest" or ""
	p := reference.Path(named)
	last := p[strings.LastIndex(p, "/")+1:]
	forms := []string{full, p + suffix, last + suffix}
	if suffix != "" {
		forms = append(forms, repo, p, last)
	}
	return forms
}

// parseUntil accepts what Docker's until= accepts: a Go duration before now ("24h"), Unix seconds, or
// an RFC 3339 time or date.
func parseUntil(value string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(value); err == nil {
		return now.Add(-d), nil
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil {
		return time.Unix(0, int64(secs*float64(time.Second))), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, value, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("until: %q is neither a duration (24h), Unix seconds nor an RFC 3339 time", value)
}

func digestStrings(img *storage.Image) []string {
	out := make([]string, 0, len(img.Digests))
	for _, d := range img.Digests {
		out = append(out, d.String())
	}
	return out
}
