package image

import (
	"fmt"
	"slices"

	"github.com/containers/storage"
)

// Tag adds names to the image src refers to. Each name is normalized first (see NormalizeName), so
// "myapp" is stored as "localhost/myapp:latest". All names are checked before any is added; a name
// another image holds moves to this one, as in Docker.
func Tag(store storage.Store, src string, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("tag %s: no target name given: use skiff tag IMAGE NAME[:TAG]", src)
	}
	full := make([]string, 0, len(names))
	for _, n := range names {
		named, err := NormalizeName(n)
		if err != nil {
			return fmt.Errorf("tag %s: %w", src, err)
		}
		full = append(full, named.String())
	}
	img, err := Lookup(store, src)
	if err != nil {
		return err
	}
	if err := store.AddNames(img.ID, full); err != nil {
		return fmt.Errorf("tag %s as %v: %w", src, full, err)
	}
	return nil
}

// Untag removes names from the image ref refers to; with no names it removes all of them, leaving a
// dangling image. A name the image does not carry is an error wrapping ErrTagUnknown, and nothing is
// removed.
func Untag(store storage.Store, ref string, names []string) error {
	img, err := Lookup(store, ref)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if len(img.Names) == 0 {
			return nil
		}
		if err := store.RemoveNames(img.ID, img.Names); err != nil {
			return fmt.Errorf("untag %s: %w", ref, err)
		}
		return nil
	}
	full := make([]string, 0, len(names))
	for _, n := range names {
		named, err := NormalizeName(n)
		if err != nil {
			return fmt.Errorf("untag %s: %w", ref, err)
		}
		if !slices.Contains(img.Names, named.String()) {
			return fmt.Errorf("%s: %w", named, ErrTagUnknown)
		}
		full = append(full, named.String())
	}
	if err := store.RemoveNames(img.ID, full); err != nil {
		return fmt.Errorf("untag %s: %w", ref, err)
	}
	return nil
}
