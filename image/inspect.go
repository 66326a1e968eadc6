package image

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/containers/image/v5/manifest"
	"github.com/containers/storage"
	"github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Data is what `image inspect` prints for one image, shaped like Podman's (c/common libimage.ImageData).
type Data struct {
	ID           string                        `json:"Id"`
	Digest       digest.Digest                 `json:"Digest"`
	RepoTags     []string                      `json:"RepoTags"`
	RepoDigests  []string                      `json:"RepoDigests"`
	Parent       string                        `json:"Parent"`
	Comment      string                        `json:"Comment"`
	Created      *time.Time                    `json:"Created"`
	Config       *ociv1.ImageConfig            `json:"Config"`
	Version      string                        `json:"Version"`
	Author       string                        `json:"Author"`
	Architecture string                        `json:"Architecture"`
	Os           string                        `json:"Os"`
	Size         int64                         `json:"Size"`
	VirtualSize  int64                         `json:"VirtualSize"`
	GraphDriver  *DriverData                   `json:"GraphDriver"`
	RootFS       *RootFS                       `json:"RootFS"`
	Labels       map[string]string             `json:"Labels"`
	Annotations  map[string]string             `json:"Annotations"`
	ManifestType string                        `json:"ManifestType"`
	User         string                        `json:"User"`
	History      []ociv1.History               `json:"History"`
	NamesHistory []string                      `json:"NamesHistory"`
	HealthCheck  *manifest.Schema2HealthConfig `json:"Healthcheck,omitempty"`
}

// DriverData names the storage driver and its per-image data (directories for overlay).
type DriverData struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// RootFS lists the uncompressed digests of the image's layers, bottom first.
type RootFS struct {
	Type   string          `json:"Type"`
	Layers []digest.Digest `json:"Layers"`
}

// Inspect returns the inspect data of the image name refers to (resolved by Lookup).
func Inspect(ctx context.Context, store storage.Store, name string) (*Data, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return nil, err
	}
	return inspectImage(ctx, store, img)
}

func inspectImage(ctx context.Context, store storage.Store, img *storage.Image) (*Data, error) {
	d, err := readDetails(ctx, store, img)
	if err != nil {
		return nil, err
	}
	images, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	tree, err := newLayerTree(store, images)
	if err != nil {
		return nil, err
	}
	size, err := store.ImageSize(img.ID)
	if err != nil {
		return nil, fmt.Errorf("size of image %s: %w", shortID(img.ID), err)
	}
	driver, err := driverData(store, img)
	if err != nil {
		return nil, err
	}
	cfg := d.config
	data := &Data{
		ID:           img.ID,
		Digest:       img.Digest,
		RepoTags:     nonNil(repoTags(img)),
		RepoDigests:  nonNil(repoDigests(img)),
		Parent:       tree.parent(img),
		Created:      cfg.Created,
		Config:       &cfg.Config,
		Version:      d.info.DockerVersion,
		Author:       cfg.Author,
		Architecture: cfg.Architecture,
		Os:           cfg.OS,
		Size:         size,
		VirtualSize:  size,
		GraphDriver:  driver,
		RootFS:       &RootFS{Type: cfg.RootFS.Type, Layers: cfg.RootFS.DiffIDs},
		Labels:       d.info.Labels,
		ManifestType: d.manifestType,
		User:         cfg.Config.User,
		History:      cfg.History,
		NamesHistory: img.NamesHistory,
	}
	switch d.manifestType {
	case ociv1.MediaTypeImageManifest:
		var m ociv1.Manifest
		if err := json.Unmarshal(d.manifest, &m); err != nil {
			return nil, fmt.Errorf("parse manifest of image %s: %w", shortID(img.ID), err)
		}
		data.Annotations = m.Annotations
		if len(cfg.History) > 0 {
			data.Comment = cfg.History[0].Comment
		}
	case manifest.DockerV2Schema1MediaType, manifest.DockerV2Schema1SignedMediaType, manifest.DockerV2Schema2MediaType:
		var v1 manifest.Schema2V1Image
		if err := json.Unmarshal(d.configBlob, &v1); err == nil {
			data.Comment = v1.Comment
			data.HealthCheck = v1.ContainerConfig.Healthcheck
			if data.HealthCheck == nil && v1.Config != nil {
				data.HealthCheck = v1.Config.Healthcheck
			}
		}
	}
	if data.Annotations == nil {
		data.Annotations = map[string]string{}
	}
	return data, nil
}

// driverData reports the graph driver and what it says about the image's top layer.
func driverData(store storage.Store, img *storage.Image) (*DriverData, error) {
	dd := &DriverData{Name: store.GraphDriverName()}
	if img.TopLayer == "" {
		return dd, nil
	}
	driver, err := store.GraphDriver()
	if err != nil {
		return nil, fmt.Errorf("graph driver: %w", err)
	}
	meta, err := driver.Metadata(img.TopLayer)
	if err != nil {
		return nil, fmt.Errorf("driver data of layer %s: %w", shortID(img.TopLayer), err)
	}
	dd.Data = meta // nil for vfs, printed as null like Podman's
	return dd, nil
}

// nonNil makes an empty list print as [] rather than null, as Podman's does.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
