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
