package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	digest "github.com/opencontainers/go-digest"
)

// LayerOptions controls how WriteLayer encodes a layer.
type LayerOptions struct {
	// ModTime is the timestamp of every entry whose own ModTime is zero,
	// and the upper bound of the others (SOURCE_DATE_EPOCH clamping), so
	// that rebuilds give the same digests.
	ModTime time.Time
	// Level is the gzip level; 0 means gzip.DefaultCompression.
	Level int
}

// LayerInfo describes a written layer blob.
type LayerInfo struct {
	DiffID digest.Digest // sha256 of the uncompressed tar
	Digest digest.Digest // sha256 of the gzip blob
	Size   int64         // size of the gzip blob
}

var errBadEntry = errors.New("invalid entry")

// WriteLayer writes entries as a gzip-compressed tar layer to w.
//
// Parent directories missing from entries are added as root-owned 0755
// directories just before their first child. A TypeHardlink must name a
// regular file written earlier in the same layer. Paths may appear once.
func WriteLayer(w io.Writer, entries []Entry, opts LayerOptions) (LayerInfo, error) {
	level := opts.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	compressedDigest := sha256.New()
	counter := &countWriter{w: io.MultiWriter(w, compressedDigest)}
	gz, err := gzip.NewWriterLevel(counter, level)
	if err != nil {
		return LayerInfo{}, err
	}
	diffID := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, diffID))

	lw := layerWriter{tw: tw, opts: opts, seen: map[string]EntryType{}, files: map[string]*tar.Header{}}
	for i := range entries {
		if err := lw.add(&entries[i]); err != nil {
			return LayerInfo{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return LayerInfo{}, fmt.Errorf("close tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return LayerInfo{}, fmt.Errorf("close gzip: %w", err)
	}
	return LayerInfo{
		DiffID: digest.NewDigestFromBytes(digest.SHA256, diffID.Sum(nil)),
		Digest: digest.NewDigestFromBytes(digest.SHA256, compressedDigest.Sum(nil)),
		Size:   counter.n,
	}, nil
}

type layerWriter struct {
	tw    *tar.Writer
	opts  LayerOptions
	seen  map[string]EntryType   // tar path (no trailing slash) -> type
	files map[string]*tar.Header // regular files written so far, for hard links
}

func (lw *layerWriter) add(e *Entry) error {
	p, err := cleanPath(e.Path)
	if err != nil {
		return fmt.Errorf("%s entry: %w", e.Type, err)
	}
	if err := lw.parents(path.Dir(p)); err != nil {
		return err
	}

	name := p
	switch e.Type {
	case TypeWhiteout:
		name = path.Join(path.Dir(p), whiteoutPrefix+path.Base(p))
	case TypeOpaque:
		if err := lw.parents(p); err != nil {
			return err
		}
		name = path.Join(p, opaqueMarker)
	}
	if _, dup := lw.seen[name]; dup {
		return fmt.Errorf("%w: %q appears twice", errBadEntry, name)
	}

	hdr := &tar.Header{
		Name:    name,
		Mode:    e.Mode & 0o7777,
		Uid:     e.UID,
		Gid:     e.GID,
		ModTime: lw.modTime(e.ModTime),
	}
	var content io.Reader
	switch e.Type {
	case TypeFile:
		hdr.Typeflag = tar.TypeReg
		r, size, closeFn, err := e.open()
		if err != nil {
			return fmt.Errorf("file %q: %w", p, err)
		}
		defer closeFn()
		hdr.Size = size
		content = r
	case TypeDir:
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case TypeSymlink:
		if e.Linkname == "" {
			return fmt.Errorf("%w: symlink %q has no target", errBadEntry, p)
		}
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = e.Linkname
	case TypeHardlink:
		target, err := cleanPath(e.Linkname)
		if err != nil {
			return fmt.Errorf("hardlink %q: %w", p, err)
		}
		th, ok := lw.files[target]
		if !ok {
			return fmt.Errorf("%w: hardlink %q: target %q is not a file written earlier in this layer", errBadEntry, p, target)
		}
		// A link shares its target's inode. Extractors (containers/storage,
		// Docker) apply the link header's owner, mode and mtime to that
		// inode, so they must repeat the target's.
		hdr.Typeflag = tar.TypeLink
		hdr.Linkname = target
		hdr.Mode, hdr.Uid, hdr.Gid, hdr.ModTime = th.Mode, th.Uid, th.Gid, th.ModTime
	case TypeWhiteout, TypeOpaque:
		hdr.Typeflag = tar.TypeReg
		hdr.Mode = 0o600
		hdr.Uid, hdr.Gid = 0, 0
	default:
		return fmt.Errorf("%w: %q has unknown type %s", errBadEntry, p, e.Type)
	}

	if err := lw.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write header %q: %w", name, err)
	}
	if content != nil {
		n, err := io.Copy(lw.tw, content)
		if err != nil {
			return fmt.Errorf("write %q: %w", p, err)
		}
		if n != hdr.Size {
			return fmt.Errorf("write %q: size changed from %d to %d bytes while reading", p, hdr.Size, n)
		}
	}
	t := e.Type
	if t == TypeHardlink {
		t = TypeFile // a link to a file may itself be linked to
	}
	lw.seen[name] = t
	if t == TypeFile {
		lw.files[name] = hdr
	}
	if t == TypeDir {
		lw.seen[p] = TypeDir
	}
	return nil
}

// parents emits root-owned 0755 directories for dir and its ancestors that
// this layer has not written yet.
func (lw *layerWriter) parents(dir string) error {
	if dir == "." || dir == "/" || dir == "" {
		return nil
	}
	if t, ok := lw.seen[dir]; ok {
		if t != TypeDir {
			return fmt.Errorf("%w: %q is used as a directory but is a %s", errBadEntry, dir, t)
		}
		return nil
	}
	if err := lw.parents(path.Dir(dir)); err != nil {
		return err
	}
	hdr := &tar.Header{
		Typeflag: tar.TypeDir,
		Name:     dir + "/",
		Mode:     0o755,
		ModTime:  lw.modTime(time.Time{}),
	}
	if err := lw.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write header %q: %w", hdr.Name, err)
	}
	lw.seen[dir] = TypeDir
	return nil
}

func (lw *layerWriter) modTime(t time.Time) time.Time {
	if t.IsZero() || (!lw.opts.ModTime.IsZero() && t.After(lw.opts.ModTime)) {
		t = lw.opts.ModTime
	}
	return t.Truncate(time.Second)
}

// open returns the content of a TypeFile entry and its size.
func (e *Entry) open() (io.Reader, int64, func(), error) {
	if e.Source == "" {
		return bytes.NewReader(e.Data), int64(len(e.Data)), func() {}, nil
	}
	if e.Data != nil {
		return nil, 0, nil, fmt.Errorf("%w: both Data and Source set", errBadEntry)
	}
	f, err := os.Open(e.Source)
	if err != nil {
		return nil, 0, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%w: source %s is not a regular file", errBadEntry, e.Source)
	}
	// LimitReader: a file that grows while being read must not corrupt the tar.
	return io.LimitReader(f, fi.Size()), fi.Size(), func() { f.Close() }, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
