package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/oci/layout"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/storage"
	"github.com/containers/storage/pkg/reexec"
	stypes "github.com/containers/storage/types"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestMain(m *testing.M) {
	// c/storage applies layers in a re-executed child ("storage-untar" and friends).
	if reexec.Init() {
		return
	}
	if helper := os.Getenv(helperEnv); helper != "" {
		os.Exit(runHelper(helper))
	}
	os.Exit(m.Run())
}

// testEpoch is the fixed creation time of test images, so their digests never change.
var testEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// testImage describes an image for writeLayout. Each layer is a map of file path to content.
type testImage struct {
	Layers  []map[string]string
	Env     []string
	Labels  map[string]string
	Cmd     []string
	Created time.Time
	Author  string
	Comment string // comment of the first history entry
	Empty   int    // extra empty-layer history entries (ENV, LABEL …) at the end
}

// requireRoot skips store tests for other users: vfs layer creation chowns files to the image's IDs,
// which needs root (or a user namespace, which the userns package provides to the CLI).
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("requires root: the vfs test store chowns layer files (run the CLI tests for the rootless path)")
	}
}

// newStore opens a fresh vfs store in a temporary directory.
func newStore(t *testing.T) storage.Store {
	t.Helper()
	requireRoot(t)
	dir := t.TempDir()
	store, err := storage.GetStore(stypes.StoreOptions{
		GraphRoot:       filepath.Join(dir, "graph"),
		RunRoot:         filepath.Join(dir, "run"),
		GraphDriverName: "vfs",
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return store
}

// tarLayer builds an uncompressed, reproducible layer tarball.
func tarLayer(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		// Parent directories get their own entries, as in real layers.
		for i := range n {
			if d := n[:i+1]; n[i] == '/' && !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, ModTime: testEpoch, Typeflag: tar.TypeDir, Format: tar.FormatPAX}); err != nil {
					t.Fatal(err)
				}
			}
		}
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: testEpoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeBlob stores b in the layout's blob directory and returns its descriptor.
func writeBlob(t *testing.T, dir, mediaType string, b []byte) ociv1.Descriptor {
	t.Helper()
	d := digest.FromBytes(b)
	p := filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return ociv1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeLayout adds img to the OCI layout in dir under tag (creating the layout) and returns the
// image's config digest, which c/storage uses as the image ID.
func writeLayout(t *testing.T, dir, tag string, img testImage) digest.Digest {
	t.Helper()
	created := img.Created
	if created.IsZero() {
		created = testEpoch
	}
	cfg := ociv1.Image{
		Created:  &created,
		Author:   img.Author,
		Platform: ociv1.Platform{Architecture: "amd64", OS: "linux"}, // fixed, so golden files match on any machine
		Config:   ociv1.ImageConfig{Env: img.Env, Labels: img.Labels, Cmd: img.Cmd},
		RootFS:   ociv1.RootFS{Type: "layers"},
	}
	var layers []ociv1.Descriptor
	for i, files := range img.Layers {
		b := tarLayer(t, files)
		layers = append(layers, writeBlob(t, dir, ociv1.MediaTypeImageLayer, b))
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(b))
		h := ociv1.History{Created: &created, CreatedBy: "/bin/sh -c #(nop) ADD file:layer" + string(rune('0'+i)) + " in / "}
		if i == 0 {
			h.Comment = img.Comment
		}
		cfg.History = append(cfg.History, h)
	}
	for i := 0; i < img.Empty; i++ {
		cfg.History = append(cfg.History, ociv1.History{Created: &created, CreatedBy: "/bin/sh -c #(nop) ENV X=1", EmptyLayer: true})
	}
	config := writeBlob(t, dir, ociv1.MediaTypeImageConfig, mustJSON(t, cfg))
	man := ociv1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ociv1.MediaTypeImageManifest, Config: config, Layers: layers}
	mdesc := writeBlob(t, dir, ociv1.MediaTypeImageManifest, mustJSON(t, man))
	mdesc.Annotations = map[string]string{ociv1.AnnotationRefName: tag}

	var index ociv1.Index
	if b, err := os.ReadFile(filepath.Join(dir, "index.json")); err == nil {
		if err := json.Unmarshal(b, &index); err != nil {
			t.Fatal(err)
		}
	} else {
		index = ociv1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ociv1.MediaTypeImageIndex}
	}
	index.Manifests = append(index.Manifests, mdesc)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), mustJSON(t, index), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ociv1.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return config.Digest
}

// load copies tag from the layout in dir into store under name (which may be "" for no name) and
// returns the image ID.
func load(t *testing.T, store storage.Store, dir, tag, name string) string {
	t.Helper()
	src, err := layout.NewReference(dir, tag)
	if err != nil {
		t.Fatal(err)
	}
	var named reference.Named
	id := ""
	if name != "" {
		if named, err = reference.ParseNormalizedNamed(name); err != nil {
			t.Fatal(err)
		}
	} else {
		// An unnamed image is addressed by ID: the config digest.
		img, err := src.NewImage(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		id = img.ConfigInfo().Digest.Encoded()
		img.Close()
	}
	dst, err := istorage.Transport.NewStoreReference(store, named, id)
	if err != nil {
		t.Fatal(err)
	}
	sys := SystemContext(store.GraphRoot(), SystemOptions{}) // keeps the blob-info cache out of /var/lib
	pc, err := PolicyContext(sys)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Destroy() }()
	if _, err := copy.Image(context.Background(), pc, dst, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
		t.Fatalf("load %s:%s into the store: %v", dir, tag, err)
	}
	_, img, err := istorage.ResolveReference(dst)
	if err != nil {
		t.Fatal(err)
	}
	return img.ID
}

// simpleImage writes a one-layer image to a new layout and returns the layout dir.
func simpleImage(t *testing.T, tag string, img testImage) string {
	t.Helper()
	dir := t.TempDir()
	if img.Layers == nil {
		img.Layers = []map[string]string{{"hello": tag}}
	}
	writeLayout(t, dir, tag, img)
	return dir
}
