package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Epoch is the creation time of every test image and the mtime of every
// generated file, so that rebuilds are byte-for-byte identical.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Layer is one filesystem layer of an image spec.
type Layer struct {
	CreatedBy string  // history "created_by"
	Comment   string  // history "comment"
	Entries   []Entry // contents; built lazily by Build when nil and Build is set
	// Build produces the entries when the layer is written; used for the
	// big layers so that specs stay cheap to construct.
	Build func() ([]Entry, error)
	Level int // gzip level, 0 for default
}

// Spec declares an image: its layers, its config, its tags.
type Spec struct {
	Name    string   // repository name in the registry, e.g. "busybox"
	Tags    []string // first is the primary tag
	Layers  []Layer
	Config  imgspecv1.ImageConfig
	Arch    string              // default runtime.GOARCH
	History []imgspecv1.History // extra empty_layer entries, appended after the layers'
	// Healthcheck is Docker's HEALTHCHECK (config.Healthcheck), which the OCI config has no field for;
	// nil leaves the config as the OCI struct writes it.
	Healthcheck *Healthcheck
}

// Healthcheck is Docker's image config HEALTHCHECK; durations in nanoseconds.
type Healthcheck struct {
	Test        []string      `json:"Test"`
	Interval    time.Duration `json:"Interval,omitempty"`
	Timeout     time.Duration `json:"Timeout,omitempty"`
	StartPeriod time.Duration `json:"StartPeriod,omitempty"`
	Retries     int           `json:"Retries,omitempty"`
}

// imageWithHealth is the image config with config.Healthcheck: the outer Config shadows the OCI one.
type imageWithHealth struct {
	imgspecv1.Image
	Config configWithHealth `json:"config,omitempty"`
}

type configWithHealth struct {
	imgspecv1.ImageConfig
	Healthcheck *Healthcheck `json:"Healthcheck,omitempty"`
}

// Built is the result of writing a Spec as an OCI layout.
type Built struct {
	Dir            string
	ManifestDigest digest.Digest
	Manifest       []byte
}

const layoutTmpSuffix = ".tmp"

// BuildLayout writes spec as an OCI image layout in dir, replacing what was
// there. Each tag of the spec is an index entry naming the same manifest.
func BuildLayout(spec *Spec, dir string) (*Built, error) {
	tmp := dir + layoutTmpSuffix
	if err := os.RemoveAll(tmp); err != nil {
		return nil, err
	}
	blobs := filepath.Join(tmp, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, err
	}

	created := Epoch
	layerDescs, diffIDs, history, err := writeLayers(spec, blobs)
	if err != nil {
		return nil, err
	}
	arch := spec.Arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	config := imgspecv1.Image{
		Created:  &created,
		Platform: imgspecv1.Platform{Architecture: arch, OS: "linux"},
		Config:   spec.Config,
		RootFS:   imgspecv1.RootFS{Type: "layers", DiffIDs: diffIDs},
		History:  history,
	}
	var configDoc any = config
	if spec.Healthcheck != nil {
		configDoc = imageWithHealth{Image: config, Config: configWithHealth{ImageConfig: spec.Config, Healthcheck: spec.Healthcheck}}
	}
	configDesc, _, err := writeJSONBlob(blobs, imgspecv1.MediaTypeImageConfig, configDoc)
	if err != nil {
		return nil, err
	}
	manifest := imgspecv1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: imgspecv1.MediaTypeImageManifest,
		Config:    configDesc,
		Layers:    layerDescs,
	}
	manifestDesc, manifestBytes, err := writeJSONBlob(blobs, imgspecv1.MediaTypeImageManifest, manifest)
	if err != nil {
		return nil, err
	}
	manifestDesc.Platform = &config.Platform
	if err := writeIndex(tmp, spec.Tags, manifestDesc); err != nil {
		return nil, err
	}

	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return &Built{Dir: dir, ManifestDigest: manifestDesc.Digest, Manifest: manifestBytes}, nil
}

// writeLayers writes the layers of spec into blobs and returns their descriptors, their diff IDs and
// the image's history: an entry per layer, then spec's entries of empty layers.
func writeLayers(spec *Spec, blobs string) ([]imgspecv1.Descriptor, []digest.Digest, []imgspecv1.History, error) {
	var (
		layerDescs []imgspecv1.Descriptor
		diffIDs    []digest.Digest
		history    []imgspecv1.History
	)
	created := Epoch
	for i := range spec.Layers {
		l := &spec.Layers[i]
		entries := l.Entries
		if entries == nil && l.Build != nil {
			var err error
			if entries, err = l.Build(); err != nil {
				return nil, nil, nil, fmt.Errorf("layer %d of %s: %w", i+1, spec.Name, err)
			}
		}
		info, err := writeLayerBlob(blobs, entries, LayerOptions{ModTime: Epoch, Level: l.Level})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("layer %d of %s: %w", i+1, spec.Name, err)
		}
		layerDescs = append(layerDescs, imgspecv1.Descriptor{
			MediaType: imgspecv1.MediaTypeImageLayerGzip,
			Digest:    info.Digest,
			Size:      info.Size,
		})
		diffIDs = append(diffIDs, info.DiffID)
		history = append(history, imgspecv1.History{
			Created:   &created,
			CreatedBy: l.CreatedBy,
			Comment:   l.Comment,
		})
	}
	for _, h := range spec.History {
		h.Created = &created
		h.EmptyLayer = true
		history = append(history, h)
	}
	return layerDescs, diffIDs, history, nil
}

// writeIndex writes the layout's index, an entry naming manifest per tag, and its oci-layout file
// into dir.
func writeIndex(dir string, tags []string, manifest imgspecv1.Descriptor) error {
	index := imgspecv1.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: imgspecv1.MediaTypeImageIndex,
	}
	for _, tag := range tags {
		d := manifest
		d.Annotations = map[string]string{imgspecv1.AnnotationRefName: tag}
		index.Manifests = append(index.Manifests, d)
	}
	if err := writeJSONFile(filepath.Join(dir, imgspecv1.ImageIndexFile), index); err != nil {
		return err
	}
	return writeJSONFile(filepath.Join(dir, imgspecv1.ImageLayoutFile),
		imgspecv1.ImageLayout{Version: imgspecv1.ImageLayoutVersion})
}

var errNoLayout = errors.New("no usable OCI layout")

// LoadLayout reads back a layout written by BuildLayout, checking that it
// has every tag of spec and that all of them name one manifest.
func LoadLayout(spec *Spec, dir string) (*Built, error) {
	b, err := os.ReadFile(filepath.Join(dir, imgspecv1.ImageIndexFile))
	if err != nil {
		return nil, fmt.Errorf("%w in %s: %w", errNoLayout, dir, err)
	}
	var index imgspecv1.Index
	if err := json.Unmarshal(b, &index); err != nil {
		return nil, fmt.Errorf("%w in %s: %w", errNoLayout, dir, err)
	}
	var d digest.Digest
	for _, tag := range spec.Tags {
		found := false
		for _, m := range index.Manifests {
			if m.Annotations[imgspecv1.AnnotationRefName] != tag {
				continue
			}
			if d != "" && m.Digest != d {
				return nil, fmt.Errorf("%w in %s: tags name different manifests", errNoLayout, dir)
			}
			d, found = m.Digest, true
		}
		if !found {
			return nil, fmt.Errorf("%w in %s: tag %q missing", errNoLayout, dir, tag)
		}
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded()))
	if err != nil {
		return nil, fmt.Errorf("%w in %s: %w", errNoLayout, dir, err)
	}
	if digest.FromBytes(manifest) != d {
		return nil, fmt.Errorf("%w in %s: manifest blob does not match %s", errNoLayout, dir, d)
	}
	return &Built{Dir: dir, ManifestDigest: d, Manifest: manifest}, nil
}

// writeLayerBlob writes a layer into the blobs directory under its digest.
func writeLayerBlob(blobs string, entries []Entry, opts LayerOptions) (LayerInfo, error) {
	f, err := os.CreateTemp(blobs, "layer-*")
	if err != nil {
		return LayerInfo{}, err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	info, err := WriteLayer(f, entries, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return LayerInfo{}, err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil { // CreateTemp makes 0600
		return LayerInfo{}, err
	}
	return info, os.Rename(f.Name(), filepath.Join(blobs, info.Digest.Encoded()))
}

func writeJSONBlob(blobs, mediaType string, v any) (imgspecv1.Descriptor, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return imgspecv1.Descriptor{}, nil, err
	}
	d := digest.FromBytes(b)
	if err := os.WriteFile(filepath.Join(blobs, d.Encoded()), b, 0o644); err != nil {
		return imgspecv1.Descriptor{}, nil, err
	}
	return imgspecv1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))}, b, nil
}

func writeJSONFile(p string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}
