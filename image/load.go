package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker/archive"
	"github.com/containers/image/v5/docker/reference"
	ociarchive "github.com/containers/image/v5/oci/archive"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	"github.com/containers/storage/pkg/stringid"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrBadArchive reports a file load cannot read as a docker-archive or an oci-archive.
var ErrBadArchive = errors.New("not a docker-archive or oci-archive")

// LoadOptions control Load.
type LoadOptions struct {
	// Writer receives the progress lines; nil is -q.
	Writer io.Writer
}

// Load copies every image of the docker-archive or oci-archive at path into store, keeping the names
// the archive gives them, and returns what it loaded: each image's names, or its ID for an image the
// archive names not. An archive that cannot be read fails before any image is stored; images are
// stored whole or not at all.
func Load(ctx context.Context, store storage.Store, path string, o LoadOptions) ([]string, error) {
	kind, err := archiveKind(path)
	if err != nil {
		return nil, err
	}
	sys := SystemContext(store.GraphRoot(), SystemOptions{})
	l := &loader{store: store, sys: sys, opts: &copy.Options{ReportWriter: o.Writer, SourceCtx: sys, DestinationCtx: sys}}
	if kind == FormatOCIArchive {
		return l.loadOCI(ctx, path)
	}
	r, err := archive.NewReader(sys, path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w: %w", path, ErrBadArchive, err)
	}
	defer r.Close()
	images, err := r.List()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w: %w", path, ErrBadArchive, err)
	}
	var loaded []string
	for _, refs := range images {
		if len(refs) == 0 {
			continue
		}
		var names []reference.Named
		for _, ref := range refs {
			if n := ref.DockerReference(); n != nil {
				names = append(names, n)
			}
		}
		out, err := l.copyIn(ctx, refs[0], names)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", path, err)
		}
		loaded = append(loaded, out...)
	}
	return loaded, nil
}

type loader struct {
	store storage.Store
	sys   *types.SystemContext
	opts  *copy.Options
}

// loadOCI loads the one image of an oci-archive, named by its org.opencontainers.image.ref.name when that
// is a full image name.
func (l *loader) loadOCI(ctx context.Context, path string) ([]string, error) {
	ref, err := ociarchive.NewReference(path, "")
	if err != nil {
		return nil, fmt.Errorf("load %s: %w: %w", path, ErrBadArchive, err)
	}
	desc, err := ociarchive.LoadManifestDescriptor(ref)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w: %w", path, ErrBadArchive, err)
	}
	var names []reference.Named
	if n := desc.Annotations[ociv1.AnnotationRefName]; n != "" {
		if named, err := reference.ParseNormalizedNamed(n); err == nil && reference.Domain(named) != "" {
			names = append(names, reference.TagNameOnly(named))
		}
	}
	out, err := l.copyIn(ctx, ref, names)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return out, nil
}

// copyIn copies one archived image into the store under names (none: the image stays unnamed).
func (l *loader) copyIn(ctx context.Context, src types.ImageReference, names []reference.Named) ([]string, error) {
	pc, err := PolicyContext(l.sys)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()
	// c/image stores an image under one name; a unique temporary name stands in for an unnamed one.
	first := names
	var tmp reference.Named
	if len(first) == 0 {
		if tmp, err = reference.ParseNormalizedNamed("localhost/skiff-load-" + stringid.GenerateRandomID()[:16]); err != nil {
			return nil, err
		}
		first = []reference.Named{reference.TagNameOnly(tmp)}
	}
	dst, err := istorage.Transport.NewStoreReference(l.store, first[0], "")
	if err != nil {
		return nil, err
	}
	if _, err := copy.Image(ctx, pc, dst, src, l.opts); err != nil {
		return nil, err
	}
	_, img, err := istorage.ResolveReference(dst)
	if err != nil {
		return nil, fmt.Errorf("find loaded image %s: %w", first[0], err)
	}
	if tmp != nil {
		if err := l.store.RemoveNames(img.ID, []string{first[0].String()}); err != nil {
			return nil, fmt.Errorf("unname loaded image %s: %w", shortID(img.ID), err)
		}
		return []string{"sha256:" + img.ID}, nil
	}
	var all []string
	for _, n := range names {
		all = append(all, n.String())
	}
	if len(all) > 1 {
		if err := l.store.AddNames(img.ID, all[1:]); err != nil {
			return nil, fmt.Errorf("name loaded image %s: %w", shortID(img.ID), err)
		}
	}
	return all, nil
}

// archiveKind tells a docker-archive from an oci-archive by the files in the tar: manifest.json makes a
// docker-archive (Docker 25 and later also write index.json), index.json alone an oci-archive. A
// compressed file is left to the docker-archive reader, which decompresses it.
func archiveKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	var magic [4]byte
	if n, _ := io.ReadFull(f, magic[:]); n >= 2 && (magic[0] == 0x1f && magic[1] == 0x8b || magic == [4]byte{0x28, 0xb5, 0x2f, 0xfd}) {
		return FormatDockerArchive, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("load %s: %w", path, err)
	}
	tr := tar.NewReader(f)
	var index, dockerManifest bool
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("load %s: %w: %w", path, ErrBadArchive, err)
		}
		switch h.Name {
		case "manifest.json", "./manifest.json":
			dockerManifest = true
		case "index.json", "./index.json":
			index = true
		}
	}
	switch {
	case dockerManifest:
		return FormatDockerArchive, nil
	case index:
		return FormatOCIArchive, nil
	}
	return "", fmt.Errorf("load %s: %w: it has neither manifest.json nor index.json", path, ErrBadArchive)
}
