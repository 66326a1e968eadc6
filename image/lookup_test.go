package image

import (
	"errors"
	"strings"
	"testing"

	"github.com/containers/storage"
)

func TestLookup(t *testing.T) {
	store := newStore(t)
	hub := load(t, store, simpleImage(t, "hub", testImage{}), "hub", "docker.io/library/tiny:latest")
	local := load(t, store, simpleImage(t, "local", testImage{}), "local", "localhost/tiny:1")
	quay := load(t, store, simpleImage(t, "quay", testImage{}), "quay", "quay.io/x/tiny:2")
	img, err := store.Image(quay)
	if err != nil {
		t.Fatal(err)
	}
	quayDigest := img.Digest.String()

	for _, tc := range []struct {
		name, want, by string // want "" means not found
	}{
		{"tiny", hub, "docker.io/library/tiny:latest"},
		{"tiny:latest", hub, "docker.io/library/tiny:latest"},
		{"library/tiny", hub, "docker.io/library/tiny:latest"},
		{"docker.io/tiny", hub, "docker.io/library/tiny:latest"},
		{"docker.io/library/tiny:latest", hub, "docker.io/library/tiny:latest"},
		{"tiny:1", local, "localhost/tiny:1"},
		{"localhost/tiny:1", local, "localhost/tiny:1"},
		{"tiny:2", quay, "quay.io/x/tiny:2"},
		{"x/tiny:2", quay, "quay.io/x/tiny:2"},
		{"quay.io/x/tiny:2", quay, "quay.io/x/tiny:2"},
		{"quay.io/x/tiny@" + quayDigest, quay, "quay.io/x/tiny@" + quayDigest},
		{"x/tiny@" + quayDigest, quay, "quay.io/x/tiny@" + quayDigest},
		{quay, quay, quay},
		{"sha256:" + quay, quay, "sha256:" + quay},
		{quay[:3], quay, quay[:3]},
		{quay[:12], quay, quay[:12]},
		// Misses: wrong path boundary, wrong tag, wrong registry, too short an ID prefix.
		{"iny", "", ""},
		{"y/tiny:2", "", ""},
		{"tiny:3", "", ""},
		{"quay.io/tiny:2", "", ""},
		{"docker.io/x/tiny:2", "", ""},
		{quay[:2], "", ""},
		{"sha256:" + strings.Repeat("0", 64), "", ""},
		{"Bad:Ref!!", "", ""},
		{"", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, by, err := lookup(store, tc.name)
			if tc.want == "" {
				if !errors.Is(err, storage.ErrImageUnknown) {
					t.Fatalf("lookup(%q) = %v, %v; want image not known", tc.name, img, err)
				}
				if want := tc.name + ": image not known"; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("lookup(%q): %v", tc.name, err)
			}
			if img.ID != tc.want || by != tc.by {
				t.Errorf("lookup(%q) = %s by %q, want %s by %q", tc.name, shortID(img.ID), by, shortID(tc.want), tc.by)
			}
		})
	}
}

// A short name prefers localhost/NAME over other registries, as Podman's ResolveLocally does.
func TestLookupPrefersLocalhost(t *testing.T) {
	store := newStore(t)
	load(t, store, simpleImage(t, "a", testImage{}), "a", "quay.io/y/app:latest")
	local := load(t, store, simpleImage(t, "b", testImage{}), "b", "localhost/app:latest")
	img, err := Lookup(store, "app")
	if err != nil {
		t.Fatal(err)
	}
	if img.ID != local {
		t.Errorf("Lookup(app) = %s, want localhost/app %s", shortID(img.ID), shortID(local))
	}
}

func TestExists(t *testing.T) {
	store := newStore(t)
	load(t, store, simpleImage(t, "a", testImage{}), "a", "localhost/tiny:1")
	for name, want := range map[string]bool{"tiny:1": true, "tiny": false, "localhost/tiny:1": true, "nosuch": false} {
		got, err := Exists(store, name)
		if err != nil || got != want {
			t.Errorf("Exists(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
}
