package image

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	ocilayout "github.com/containers/image/v5/oci/layout"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/storage"
	"github.com/containers/storage/pkg/stringid"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// NewImageOptions describe an image NewImage makes: a parent image (or none) plus one layer.
type NewImageOptions struct {
	// Parent is the image the new one is built on; nil starts from scratch (import).
	Parent *storage.Image
	// Squash makes the layer the whole file system: the parent's layers are not referenced, its
	// config is still the starting point.
	Squash bool
	// Config, if set, replaces the parent's runtime config (commit passes the container's).
	Config *ociv1.ImageConfig
	// Changes are applied to the config last (--change).
	Changes []Change
	// Name is the full name to store the image under; nil leaves it unnamed.
	Name reference.Named
	// Author and Comment go into the config and its history entry (-a, -m / --message).
	Author, Comment string
	// CreatedBy is the history entry's created_by.
	CreatedBy string
	// Format is the manifest format, "oci" (default) or "docker".
	Format string
	// Writer receives the progress lines; nil is quiet.
	Writer io.Writer
}

// CheckFormat validates commit's and build's --format.
func CheckFormat(format string) error {
	switch format {
	case "", "oci", "docker":
		return nil
	}
	return fmt.Errorf("%w: --format %q: want oci or docker", ErrBadOption, format)
}

// NewImage stores a new image made of the parent's layers and layer, an uncompressed tar, and returns
// its ID. The image is assembled as an OCI layout in a temporary directory holding only the new layer
// and copied into the store by c/image, which finds the parent's layers already there; a failure
// stores nothing.
//
// openLayer is called once the parent has been read, and its reader closed before the copy: a layer
// diff from the store holds the store's lock while it is open.
func NewImage(ctx context.Context, store storage.Store, openLayer func() (io.ReadCloser, error), o NewImageOptions) (string, error) {
	if err := CheckFormat(o.Format); err != nil {
		return "", err
	}
	now := time.Now().UTC()
	cfg, parentLayers, err := newImageConfig(ctx, store, o, now)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(bigFilesDir(), "skiff-image-")
	if err != nil {
		return "", fmt.Errorf("create image: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := writeNewLayout(dir, cfg, parentLayers, openLayer, o, now); err != nil {
		return "", err
	}
	return copyNewImage(ctx, store, dir, o)
}

// newImageConfig is the config of the new image before its layer is added: the parent's (without
// its layers when squashing) with o's config, changes and author, and the parent's layers it keeps.
func newImageConfig(ctx context.Context, store storage.Store, o NewImageOptions, now time.Time) (ociv1.Image, []ociv1.Descriptor, error) {
	cfg := ociv1.Image{Platform: ociv1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}}
	var parentLayers []ociv1.Descriptor
	if o.Parent != nil {
		d, err := readDetails(ctx, store, o.Parent)
		if err != nil {
			return cfg, nil, err
		}
		cfg = *d.config
		if o.Squash {
			cfg.RootFS.DiffIDs = nil
			cfg.History = nil
		} else if parentLayers, err = layerDescriptors(store, o.Parent, cfg.RootFS.DiffIDs); err != nil {
			return cfg, nil, err
		}
	}
	if o.Config != nil {
		cfg.Config = *o.Config
	}
	if err := ApplyChanges(&cfg.Config, o.Changes); err != nil {
		return cfg, nil, err
	}
	cfg.Created = &now
	if o.Author != "" {
		cfg.Author = o.Author
	}
	cfg.RootFS.Type = "layers"
	return cfg, parentLayers, nil
}

// writeNewLayout writes the new image into dir as an OCI layout: the layer openLayer reads, the config
// cfg with that layer and its history entry added, and a manifest listing parentLayers and the layer.
func writeNewLayout(dir string, cfg ociv1.Image, parentLayers []ociv1.Descriptor, openLayer func() (io.ReadCloser, error), o NewImageOptions, now time.Time) error {
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	layer, err := openLayer()
	if err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	layerDesc, err := writeBlobFrom(blobs, layer)
	if cerr := layer.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create image: write layer: %w", err)
	}
	layerDesc.MediaType = ociv1.MediaTypeImageLayer
	cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, layerDesc.Digest)
	cfg.History = append(cfg.History, ociv1.History{Created: &now, CreatedBy: o.CreatedBy, Author: o.Author, Comment: o.Comment})

	cfgBlob, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cfgDesc, err := writeLayoutBlob(blobs, cfgBlob)
	if err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	cfgDesc.MediaType = ociv1.MediaTypeImageConfig
	man := ociv1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ociv1.MediaTypeImageManifest,
		Config:    cfgDesc,
		Layers:    append(slices.Clone(parentLayers), layerDesc),
	}
	manBlob, err := json.Marshal(man)
	if err != nil {
		return err
	}
	manDesc, err := writeLayoutBlob(blobs, manBlob)
	if err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	manDesc.MediaType = ociv1.MediaTypeImageManifest
	index, _ := json.Marshal(ociv1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ociv1.MediaTypeImageIndex, Manifests: []ociv1.Descriptor{manDesc}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o600); err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o600); err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	return nil
}

// copyNewImage copies the OCI layout in dir into the store under o.Name (unnamed again when o.Name is
// nil) and returns the new image's ID.
func copyNewImage(ctx context.Context, store storage.Store, dir string, o NewImageOptions) (string, error) {
	src, err := ocilayout.NewReference(dir, "")
	if err != nil {
		return "", fmt.Errorf("create image: %w", err)
	}
	name, tmp := o.Name, false
	if name == nil {
		tmp = true
		if name, err = reference.ParseNormalizedNamed("localhost/skiff-new-" + stringid.GenerateRandomID()[:16]); err != nil {
			return "", err
		}
	}
	name = reference.TagNameOnly(name)
	dst, err := istorage.Transport.NewStoreReference(store, name, "")
	if err != nil {
		return "", fmt.Errorf("create image: %w", err)
	}
	sys := SystemContext(store.GraphRoot(), SystemOptions{})
	pc, err := PolicyContext(sys)
	if err != nil {
		return "", err
	}
	defer func() { _ = pc.Destroy() }()
	opts := &copy.Options{ReportWriter: o.Writer, SourceCtx: sys, DestinationCtx: sys}
	if o.Format == "docker" {
		opts.ForceManifestMIMEType = manifest.DockerV2Schema2MediaType
	}
	// The parent's layers are not in the layout: c/image finds them in the store by their digests.
	if _, err := copy.Image(ctx, pc, dst, src, opts); err != nil {
		return "", fmt.Errorf("create image: %w", err)
	}
	_, img, err := istorage.ResolveReference(dst)
	if err != nil {
		return "", fmt.Errorf("find new image %s: %w", name, err)
	}
	if tmp {
		if err := store.RemoveNames(img.ID, []string{name.String()}); err != nil {
			return "", fmt.Errorf("unname new image %s: %w", shortID(img.ID), err)
		}
	}
	return img.ID, nil
}

// layerDescriptors describes img's layers, bottom first, by their uncompressed digests (the form in
// which the store finds them again).
func layerDescriptors(store storage.Store, img *storage.Image, diffIDs []digest.Digest) ([]ociv1.Descriptor, error) {
	var chain []*storage.Layer
	for id := img.TopLayer; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("read layer %s of image %s: %w", shortID(id), shortID(img.ID), err)
		}
		chain = append(chain, l)
		id = l.Parent
	}
	slices.Reverse(chain)
	if len(chain) != len(diffIDs) {
		return nil, fmt.Errorf("image %s has %d layers but its config lists %d", shortID(img.ID), len(chain), len(diffIDs))
	}
	out := make([]ociv1.Descriptor, len(chain))
	for i, l := range chain {
		if l.UncompressedDigest == "" || l.UncompressedSize < 0 {
			return nil, fmt.Errorf("layer %s of image %s: uncompressed digest unknown", shortID(l.ID), shortID(img.ID))
		}
		out[i] = ociv1.Descriptor{MediaType: ociv1.MediaTypeImageLayer, Digest: l.UncompressedDigest, Size: l.UncompressedSize}
	}
	return out, nil
}

// writeLayoutBlob stores b in an OCI layout's blob directory.
func writeLayoutBlob(blobs string, b []byte) (ociv1.Descriptor, error) {
	d := digest.FromBytes(b)
	if err := os.WriteFile(filepath.Join(blobs, d.Encoded()), b, 0o600); err != nil {
		return ociv1.Descriptor{}, err
	}
	return ociv1.Descriptor{Digest: d, Size: int64(len(b))}, nil
}

// writeBlobFrom streams r into the blob directory, digesting it on the way.
func writeBlobFrom(blobs string, r io.Reader) (ociv1.Descriptor, error) {
	f, err := os.CreateTemp(blobs, "layer-")
	if err != nil {
		return ociv1.Descriptor{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ociv1.Descriptor{}, err
	}
	d := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil))
	if err := os.Rename(f.Name(), filepath.Join(blobs, d.Encoded())); err != nil {
		return ociv1.Descriptor{}, err
	}
	return ociv1.Descriptor{Digest: d, Size: n}, nil
}
