package container

import (
	"context"
	"fmt"
	"io"

	"github.com/containers/storage/pkg/archive"
)

// Export writes the container's root file system (the image with the container's changes) to w as an
// uncompressed tar, with ownership as the container sees it.
func (e *Engine) Export(ctx context.Context, nameOrID string, w io.Writer) error {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	rootfs, err := e.store.Mount(c.ID, "")
	if err != nil {
		return fmt.Errorf("export: mount container %s: %w", c.Name(), err)
	}
	defer func() { _, _ = e.store.Unmount(c.ID, false) }()
	r, err := archive.Tar(rootfs, archive.Uncompressed)
	if err != nil {
		return fmt.Errorf("export container %s: %w", c.Name(), err)
	}
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("export container %s: %w", c.Name(), err)
	}
	return nil
}
