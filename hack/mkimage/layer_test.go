package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
)

// hdr is the part of a tar header the tests compare.
type hdr struct {
	Name     string
	Type     byte
	Mode     int64
	UID, GID int
	Linkname string
	Size     int64
	Content  string
}

// readLayer decompresses and lists a layer written by WriteLayer.
func readLayer(t *testing.T, blob []byte) []hdr {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	var out []hdr
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		if !h.ModTime.Equal(Epoch) {
			t.Errorf("%s: mtime %v, want %v", h.Name, h.ModTime, Epoch)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("tar %s: %v", h.Name, err)
		}
		out = append(out, hdr{h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Linkname, h.Size, string(b)})
	}
	return out
}

func TestWriteLayer(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("from host"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		entries []Entry
		want    []hdr
		wantErr error
	}{
		{
			name: "file with explicit owner and mode, implicit parents",
			entries: []Entry{
				File("/data/app/file", 0o644, 1000, 1000, []byte("hello")),
			},
			want: []hdr{
				{Name: "data/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "data/app/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "data/app/file", Type: tar.TypeReg, Mode: 0o644, UID: 1000, GID: 1000, Size: 5, Content: "hello"},
			},
		},
		{
			name: "explicit directory keeps its owner, sticky and setuid bits survive",
			entries: []Entry{
				Dir("tmp", 0o1777, 0, 0),
				Dir("home/user", 0o700, 1000, 100),
				File("usr/local/bin/suid", 0o4755, 0, 0, []byte("x")),
				File("usr/local/bin/sgid", 0o2711, 0, 50, nil),
			},
			want: []hdr{
				{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777},
				{Name: "home/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "home/user/", Type: tar.TypeDir, Mode: 0o700, UID: 1000, GID: 100},
				{Name: "usr/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "usr/local/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "usr/local/bin/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "usr/local/bin/suid", Type: tar.TypeReg, Mode: 0o4755, Size: 1, Content: "x"},
				{Name: "usr/local/bin/sgid", Type: tar.TypeReg, Mode: 0o2711, GID: 50},
			},
		},
		{
			name: "symlink and hardlink",
			entries: []Entry{
				Dir("a", 0o755, 0, 0),
				File("a/f", 0o600, 7, 8, []byte("data")),
				Hardlink("a/h", "/a/f"),
				Hardlink("a/h2", "a/h"),
				Symlink("a/s", "f"),
				Symlink("a/abs", "/a/f"),
			},
			want: []hdr{
				{Name: "a/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "a/f", Type: tar.TypeReg, Mode: 0o600, UID: 7, GID: 8, Size: 4, Content: "data"},
				{Name: "a/h", Type: tar.TypeLink, Mode: 0o600, UID: 7, GID: 8, Linkname: "a/f"},
				{Name: "a/h2", Type: tar.TypeLink, Mode: 0o600, UID: 7, GID: 8, Linkname: "a/h"},
				{Name: "a/s", Type: tar.TypeSymlink, Mode: 0o777, Linkname: "f"},
				{Name: "a/abs", Type: tar.TypeSymlink, Mode: 0o777, Linkname: "/a/f"},
			},
		},
		{
			name: "whiteout and opaque directory",
			entries: []Entry{
				Dir("data", 0o755, 0, 0),
				Whiteout("/data/doomed"),
				Opaque("etc/conf.d"),
			},
			want: []hdr{
				{Name: "data/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "data/.wh.doomed", Type: tar.TypeReg, Mode: 0o600},
				{Name: "etc/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "etc/conf.d/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "etc/conf.d/.wh..wh..opq", Type: tar.TypeReg, Mode: 0o600},
			},
		},
		{
			name:    "content from a host file",
			entries: []Entry{{Path: "bin/tool", Type: TypeFile, Mode: 0o755, Source: src}},
			want: []hdr{
				{Name: "bin/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "bin/tool", Type: tar.TypeReg, Mode: 0o755, Size: 9, Content: "from host"},
			},
		},
		{
			name:    "path escaping the root",
			entries: []Entry{File("../etc/passwd", 0o644, 0, 0, nil)},
			wantErr: errBadPath,
		},
		{
			name:    "root itself",
			entries: []Entry{Dir("/", 0o755, 0, 0)},
			wantErr: errBadPath,
		},
		{
			name:    "hardlink to a missing file",
			entries: []Entry{Hardlink("a/h", "a/missing")},
			wantErr: errBadEntry,
		},
		{
			name:    "hardlink to a directory",
			entries: []Entry{Dir("a", 0o755, 0, 0), Hardlink("h", "a")},
			wantErr: errBadEntry,
		},
		{
			name:    "duplicate path",
			entries: []Entry{File("f", 0o644, 0, 0, nil), File("/f", 0o644, 0, 0, nil)},
			wantErr: errBadEntry,
		},
		{
			name:    "file used as a directory",
			entries: []Entry{File("f", 0o644, 0, 0, nil), File("f/g", 0o644, 0, 0, nil)},
			wantErr: errBadEntry,
		},
		{
			name:    "symlink without target",
			entries: []Entry{Symlink("s", "")},
			wantErr: errBadEntry,
		},
		{
			name:    "missing source file",
			entries: []Entry{{Path: "f", Type: TypeFile, Source: src + ".missing"}},
			wantErr: os.ErrNotExist,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			info, err := WriteLayer(&buf, tt.entries, LayerOptions{ModTime: Epoch})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("WriteLayer: %v", err)
			}
			got := readLayer(t, buf.Bytes())
			if len(got) != len(tt.want) {
				t.Fatalf("got %d entries, want %d:\ngot  %+v\nwant %+v", len(got), len(tt.want), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("entry %d:\ngot  %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
			checkDigests(t, buf.Bytes(), info)
		})
	}
}

// checkDigests verifies Digest/Size describe the blob and DiffID the tar.
func checkDigests(t *testing.T, blob []byte, info LayerInfo) {
	t.Helper()
	if got := digest.FromBytes(blob); got != info.Digest {
		t.Errorf("Digest = %s, blob hashes to %s", info.Digest, got)
	}
	if info.Size != int64(len(blob)) {
		t.Errorf("Size = %d, blob is %d bytes", info.Size, len(blob))
	}
	gz, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	if got := digest.FromBytes(raw); got != info.DiffID {
		t.Errorf("DiffID = %s, tar hashes to %s", info.DiffID, got)
	}
}

func TestWriteLayerModTime(t *testing.T) {
	old := Epoch.Add(-48 * time.Hour)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"zero becomes the layer time", time.Time{}, Epoch},
		{"newer is clamped", Epoch.Add(time.Hour), Epoch},
		{"older is kept", old, old},
		{"sub-second is truncated", old.Add(300 * time.Millisecond), old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := File("f", 0o644, 0, 0, nil)
			e.ModTime = tt.in
			if _, err := WriteLayer(&buf, []Entry{e}, LayerOptions{ModTime: Epoch}); err != nil {
				t.Fatal(err)
			}
			gz, err := gzip.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			h, err := tar.NewReader(gz).Next()
			if err != nil {
				t.Fatal(err)
			}
			if !h.ModTime.Equal(tt.want) {
				t.Errorf("mtime = %v, want %v", h.ModTime, tt.want)
			}
		})
	}
}

func TestWriteLayerReproducible(t *testing.T) {
	entries := []Entry{
		Dir("d", 0o755, 0, 0),
		File("d/f", 0o644, 1, 2, pseudoRandom(100_000, "seed")),
		Hardlink("d/h", "d/f"),
		Whiteout("d/gone"),
	}
	var a, b bytes.Buffer
	ia, err := WriteLayer(&a, entries, LayerOptions{ModTime: Epoch})
	if err != nil {
		t.Fatal(err)
	}
	ib, err := WriteLayer(&b, entries, LayerOptions{ModTime: Epoch})
	if err != nil {
		t.Fatal(err)
	}
	if ia != ib || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two builds differ: %+v vs %+v", ia, ib)
	}
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"a/b", "a/b", true},
		{"/a/b/", "a/b", true},
		{"./a//b", "a/b", true},
		{"a/./b", "a/b", true},
		{"", "", false},
		{"/", "", false},
		{".", "", false},
		{"a/../b", "", false},
		{"..", "", false},
		{"a\x00b", "", false},
	}
	for _, tt := range tests {
		got, err := cleanPath(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestPseudoRandom(t *testing.T) {
	a := pseudoRandom(1000, "x")
	if len(a) != 1000 || !bytes.Equal(a, pseudoRandom(1000, "x")) || bytes.Equal(a, pseudoRandom(1000, "y")) {
		t.Error("pseudoRandom is not a deterministic function of its seed")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(pseudoRandom(1<<16, "x"))
	zw.Close()
	if buf.Len() < 1<<16 {
		t.Errorf("pseudoRandom compresses to %d of %d bytes; want incompressible", buf.Len(), 1<<16)
	}
}
