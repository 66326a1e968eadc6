package files

import (
	"context"
	"fmt"
	"io"

	"github.com/containers/storage/pkg/archive"

	"github.com/skiffproject/skiff/container"
)

// Export writes the container's root file system (the image with the container's changes) to w as an
// uncompressed tar, with ownership as the container sees it.
func Export(ctx context.Context, e *container.Engine, nameOrID string, w io.Writer) error {
	return e.WithRootFS(ctx, nameOrID, func(c *container.Container, rootfs string) error {
		r, err := archive.Tar(rootfs, archive.Uncompressed)
		if err != nil {
			return fmt.Errorf("export container %s: %w", c.Name(), err)
		}
		defer r.Close()
		if _, err := io.Copy(w, r); err != nil {
			return fmt.Errorf("export container %s: %w", c.Name(), err)
		}
		return nil
	})
}
