package image

import (
	"context"
	"fmt"

	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// details is what the store keeps about an image beyond storage.Image: its config and manifest.
type details struct {
	config       *ociv1.Image            // the config, converted to OCI form
	info         *types.ImageInspectInfo // c/image's summary (labels, Docker version, …)
	configBlob   []byte                  // the config exactly as stored
	manifest     []byte
	manifestType string
}

// readDetails reads img's manifest and config from the store.
func readDetails(ctx context.Context, store storage.Store, img *storage.Image) (*details, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", shortID(img.ID), err)
	}
	src, err := ref.NewImage(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", shortID(img.ID), err)
	}
	defer src.Close()
	d := &details{}
	if d.manifest, d.manifestType, err = src.Manifest(ctx); err != nil {
		return nil, fmt.Errorf("read manifest of image %s: %w", shortID(img.ID), err)
	}
	if d.config, err = src.OCIConfig(ctx); err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", shortID(img.ID), err)
	}
	if d.configBlob, err = src.ConfigBlob(ctx); err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", shortID(img.ID), err)
	}
	if d.info, err = src.Inspect(ctx); err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", shortID(img.ID), err)
	}
	return d, nil
}

// shortID is the 12-character form of an image or layer ID used in tables and messages.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
