// Package image implements skiff's image verbs on top of containers/storage and containers/image:
// pulling, listing, inspecting, tagging, removing and pruning images, and logging in to registries.
//
// Every function takes the store it works on and a typed options struct; nothing here knows about the
// command line. Local names are resolved the way Podman does (see [Lookup]); errors name the action and
// the object and wrap the library's sentinel errors (storage.ErrImageUnknown,
// storage.ErrImageUsedByContainer) so callers can branch with errors.Is.
package image

import (
	"errors"

	"github.com/containers/storage"
)

// ErrTagUnknown reports that an image does not carry the name asked to be removed from it.
var ErrTagUnknown = errors.New("tag not known")

// isUnknown reports whether err says an image does not exist.
func isUnknown(err error) bool {
	return errors.Is(err, storage.ErrImageUnknown)
}
