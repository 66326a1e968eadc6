package files

import (
	"fmt"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
)

// Diff lists what the container changed in its image's file system.
func Diff(e *container.Engine, nameOrID string) ([]image.FileChange, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	if c.Storage == nil {
		return nil, fmt.Errorf("diff container %s: no storage", c.Name())
	}
	return image.LayerChanges(e.Store(), c.Storage.LayerID)
}
