package image

import (
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	"github.com/containers/storage"
	"github.com/opencontainers/go-digest"
)

// minIDPrefix is the shortest image-ID prefix accepted as a name.
const minIDPrefix = 3

// Lookup finds the local image that name refers to, as Podman (c/common libimage) does, in this order:
//
//  1. a full image ID, with or without "sha256:";
//  2. an exact stored name ("docker.io/library/busybox:latest");
//  3. a unique image-ID prefix of at least 3 hex digits;
//  4. for a fully qualified name, its normalized form (":latest" added, docker.io/library expanded),
//     with an "@digest" matched against the image's digests;
//  5. for a short name, the candidates of registries.conf (alias, "localhost/NAME", each
//     unqualified-search registry), then any stored NAME[:TAG] whose repository ends in "/NAME" at a
//     path boundary (so "busybox" finds "docker.io/library/busybox:latest" and "quay.io/x/busybox:latest").
//
// A miss returns an error wrapping storage.ErrImageUnknown ("NAME: image not known").
func Lookup(store storage.Store, name string) (*storage.Image, error) {
	img, _, err := lookup(store, name)
	return img, err
}

// Exists reports whether name refers to a local image.
func Exists(store storage.Store, name string) (bool, error) {
	_, err := Lookup(store, name)
	if err == nil {
		return true, nil
	}
	if isUnknown(err) {
		return false, nil
	}
	return false, err
}

// lookup is Lookup that also returns what the image was found by: the matching full name for a name
// match, name itself for an ID or digest match.
func lookup(store storage.Store, name string) (*storage.Image, string, error) {
	notFound := fmt.Errorf("%s: %w", name, storage.ErrImageUnknown)
	if name == "" {
		return nil, "", notFound
	}
	images, err := store.Images()
	if err != nil {
		return nil, "", fmt.Errorf("list images: %w", err)
	}
	id := strings.TrimPrefix(name, "sha256:")
	if isHex(id) && len(id) == 64 {
		for i := range images {
			if images[i].ID == id {
				return &images[i], name, nil
			}
		}
	}
	for i := range images {
		for _, n := range images[i].Names {
			if n == name {
				return &images[i], n, nil
			}
		}
	}
	if isHex(id) && len(id) >= minIDPrefix {
		var found []*storage.Image
		for i := range images {
			if strings.HasPrefix(images[i].ID, id) {
				found = append(found, &images[i])
			}
		}
		if len(found) == 1 {
			return found[0], name, nil
		}
		if len(found) > 1 {
			return nil, "", fmt.Errorf("%s: image ID prefix matches %d images: give more characters", name, len(found))
		}
	}
	if strings.HasPrefix(name, "sha256:") {
		return nil, "", notFound
	}
	named, err := parseDockerName(name)
	if err != nil {
		return nil, "", notFound
	}
	var candidates []reference.Named
	if shortnames.IsShortName(name) {
		candidates, _ = shortnames.ResolveLocally(nil, name)
		if len(candidates) == 0 {
			if n, err := NormalizeName(name); err == nil {
				candidates = []reference.Named{n}
			}
		}
	} else if n, err := reference.ParseNormalizedNamed(strings.TrimPrefix(name, "docker://")); err == nil {
		candidates = []reference.Named{n}
	}
	for _, c := range candidates {
		if img, full := matchNamed(images, c); img != nil {
			return img, full, nil
		}
	}
	if shortnames.IsShortName(name) {
		if img, full := matchSuffix(images, named); img != nil {
			return img, full, nil
		}
	}
	return nil, "", notFound
}

// matchNamed finds the image stored under the normalized reference want (":latest" assumed when it has
// neither tag nor digest). A digested reference matches an image of that repository holding the digest.
func matchNamed(images []storage.Image, want reference.Named) (*storage.Image, string) {
	if d, ok := want.(reference.Digested); ok {
		repo := reference.TrimNamed(want).Name()
		for i := range images {
			if !hasDigest(&images[i], d.Digest()) {
				continue
			}
			for _, n := range images[i].Names {
				if named, err := reference.ParseNormalizedNamed(n); err == nil && named.Name() == repo {
					return &images[i], want.String()
				}
			}
		}
		return nil, ""
	}
	s := reference.TagNameOnly(want).String()
	for i := range images {
		for _, n := range images[i].Names {
			if n == s {
				return &images[i], n
			}
		}
	}
	return nil, ""
}

// matchSuffix finds an image with a name whose repository ends in short's path at a "/" boundary and
// whose tag (":latest" assumed) or digest matches.
func matchSuffix(images []storage.Image, short reference.Named) (*storage.Image, string) {
	path := short.Name()
	tag := "latest"
	if t, ok := short.(reference.Tagged); ok {
		tag = t.Tag()
	}
	d, digested := short.(reference.Digested)
	for i := range images {
		if digested && !hasDigest(&images[i], d.Digest()) {
			continue
		}
		for _, n := range images[i].Names {
			named, err := reference.ParseNormalizedNamed(n)
			if err != nil {
				continue
			}
			repo := named.Name()
			if repo != path && !strings.HasSuffix(repo, "/"+path) {
				continue
			}
			if digested {
				return &images[i], repo + "@" + d.Digest().String()
			}
			if t, ok := named.(reference.Tagged); ok && t.Tag() == tag {
				return &images[i], n
			}
		}
	}
	return nil, ""
}

func hasDigest(img *storage.Image, d digest.Digest) bool {
	if img.Digest == d {
		return true
	}
	for _, x := range img.Digests {
		if x == d {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
