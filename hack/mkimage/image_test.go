package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func testSpec() *Spec {
	return &Spec{
		Name: "t",
		Tags: []string{"latest", "1"},
		Layers: []Layer{
			{CreatedBy: "base", Entries: []Entry{File("etc/passwd", 0o644, 0, 0, []byte("root:x:0:0::/root:/bin/sh\n"))}},
			{CreatedBy: "rm", Entries: []Entry{Whiteout("etc/passwd")}},
		},
		Config:  imgspecv1.ImageConfig{Cmd: []string{"sh"}, WorkingDir: "/"},
		History: []imgspecv1.History{{CreatedBy: "CMD"}},
	}
}

func TestBuildLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t")
	b1, err := BuildLayout(testSpec(), dir)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := BuildLayout(testSpec(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if b1.ManifestDigest != b2.ManifestDigest {
		t.Errorf("rebuild changed the manifest digest: %s then %s", b1.ManifestDigest, b2.ManifestDigest)
	}
	if _, err := os.Stat(dir + layoutTmpSuffix); !os.IsNotExist(err) {
		t.Errorf("temporary layout left behind: %v", err)
	}

	blob := func(d digest.Digest) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()))
		if err != nil {
			t.Fatal(err)
		}
		if digest.FromBytes(b) != d {
			t.Fatalf("blob %s has the wrong content", d)
		}
		return b
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal(blob(b1.ManifestDigest), &m); err != nil {
		t.Fatal(err)
	}
	var cfg imgspecv1.Image
	if err := json.Unmarshal(blob(m.Config.Digest), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 2 || len(cfg.RootFS.DiffIDs) != 2 {
		t.Fatalf("manifest has %d layers, config %d diff_ids; want 2", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	for i, l := range m.Layers {
		checkDigests(t, blob(l.Digest), LayerInfo{DiffID: cfg.RootFS.DiffIDs[i], Digest: l.Digest, Size: l.Size})
	}
	if len(cfg.History) != 3 || !cfg.History[2].EmptyLayer || cfg.History[0].EmptyLayer {
		t.Errorf("history = %+v, want 2 layer entries and 1 empty_layer", cfg.History)
	}
	if cfg.Created == nil || !cfg.Created.Equal(Epoch) {
		t.Errorf("created = %v, want %v", cfg.Created, Epoch)
	}

	loaded, err := LoadLayout(testSpec(), dir)
	if err != nil {
		t.Fatalf("LoadLayout: %v", err)
	}
	if loaded.ManifestDigest != b1.ManifestDigest {
		t.Errorf("LoadLayout digest %s, built %s", loaded.ManifestDigest, b1.ManifestDigest)
	}
	other := testSpec()
	other.Tags = []string{"nope"}
	if _, err := LoadLayout(other, dir); err == nil {
		t.Error("LoadLayout accepted a layout without the wanted tag")
	}
}
