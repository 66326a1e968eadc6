package image

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/containers/image/v5/copy"
	dirtransport "github.com/containers/image/v5/directory"
	"github.com/containers/image/v5/docker/archive"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	ociarchive "github.com/containers/image/v5/oci/archive"
	ocilayout "github.com/containers/image/v5/oci/layout"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Save formats, Podman's names.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
	FormatOCIDir        = "oci-dir"
	FormatDockerDir     = "docker-dir"
)

// SaveOptions control Save.
type SaveOptions struct {
	// Format is docker-archive (the default), oci-archive, oci-dir or docker-dir.
	Format string
	// MultiImage (-m) makes every name an image of its own; without it the names after the first are
	// additional tags of the first image in a docker-archive, as in Podman.
	MultiImage bool
	// Writer receives the progress lines; nil is -q.
	Writer io.Writer
}

// CheckSaveOptions validates the options and the number of names before any work.
func CheckSaveOptions(names []string, output string, o SaveOptions) error {
	if len(names) == 0 {
		return fmt.Errorf("save: no image given: use skiff save [-o FILE] IMAGE")
	}
	switch o.Format {
	case "", FormatDockerArchive:
	case FormatOCIArchive, FormatOCIDir, FormatDockerDir:
		if len(names) > 1 {
			return fmt.Errorf("save: --format %s holds one image: save several images with --format docker-archive -m", o.Format)
		}
	default:
		return fmt.Errorf("%w: save --format %q: want docker-archive, oci-archive, oci-dir or docker-dir", ErrBadOption, o.Format)
	}
	if (o.Format == FormatOCIDir || o.Format == FormatDockerDir) && output == "" {
		return fmt.Errorf("save: --format %s writes a directory: name it with -o DIR", o.Format)
	}
	return nil
}

// Save writes the images names refer to into output (a file for the archive formats, a directory for
// oci-dir and docker-dir). An image named by a name keeps it in the archive; one named by ID has none.
// A failed save removes what it wrote.
func Save(ctx context.Context, store storage.Store, names []string, output string, o SaveOptions) (err error) {
	if err := CheckSaveOptions(names, output, o); err != nil {
		return err
	}
	if o.Format == "" {
		o.Format = FormatDockerArchive
	}
	entries, err := saveEntries(store, names, o)
	if err != nil {
		return err
	}

	sys := SystemContext(store.GraphRoot(), SystemOptions{})
	pc, err := PolicyContext(sys)
	if err != nil {
		return err
	}
	defer func() { _ = pc.Destroy() }()
	if _, statErr := os.Lstat(output); statErr == nil && (o.Format == FormatOCIDir || o.Format == FormatDockerDir) {
		return fmt.Errorf("save: %s exists: remove it or name a new directory", output)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(output)
		}
	}()
	opts := &copy.Options{ReportWriter: o.Writer, SourceCtx: sys, DestinationCtx: sys}
	copyOne := func(dst types.ImageReference, img *storage.Image) error {
		src, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
		if err != nil {
			return err
		}
		if _, err := copy.Image(ctx, pc, dst, src, opts); err != nil {
			return fmt.Errorf("save image %s: %w", shortID(img.ID), err)
		}
		return nil
	}

	switch o.Format {
	case FormatDockerArchive:
		return saveDockerArchive(sys, output, entries, opts, copyOne)
	case FormatOCIArchive:
		_ = os.Remove(output)
		ref, err := ociarchive.NewReference(output, ociTag(entries[0].tags))
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
		opts.ForceManifestMIMEType = ociv1.MediaTypeImageManifest
		return copyOne(ref, entries[0].img)
	case FormatOCIDir:
		ref, err := ocilayout.NewReference(output, ociTag(entries[0].tags))
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
		opts.ForceManifestMIMEType = ociv1.MediaTypeImageManifest
		return copyOne(ref, entries[0].img)
	default: // docker-dir
		ref, err := dirtransport.NewReference(output)
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
		opts.ForceManifestMIMEType = manifest.DockerV2Schema2MediaType
		return copyOne(ref, entries[0].img)
	}
}

// saveEntry is an image to save and the tags it carries in the output.
type saveEntry struct {
	img  *storage.Image
	tags []reference.NamedTagged
}

// saveEntries resolves the names given to save: one entry per name with -m or a format other than
// docker-archive, else one entry for the first name with the other names as its additional tags.
func saveEntries(store storage.Store, names []string, o SaveOptions) ([]saveEntry, error) {
	var entries []saveEntry
	if o.MultiImage || o.Format != FormatDockerArchive {
		for _, n := range names {
			img, tag, err := saveName(store, n)
			if err != nil {
				return nil, err
			}
			entries = append(entries, saveEntry{img: img, tags: tag})
		}
		return entries, nil
	}
	img, tag, err := saveName(store, names[0])
	if err != nil {
		return nil, err
	}
	for _, extra := range names[1:] {
		named, err := NormalizeName(extra)
		if err != nil {
			return nil, fmt.Errorf("save: additional tag %q: %w", extra, err)
		}
		t, ok := named.(reference.NamedTagged)
		if !ok {
			return nil, fmt.Errorf("save: additional tag %q must be NAME:TAG", extra)
		}
		tag = append(tag, t)
	}
	return append(entries, saveEntry{img: img, tags: tag}), nil
}

// saveDockerArchive writes entries into the docker-archive output with copyOne, replacing a file that
// exists, as Podman does.
func saveDockerArchive(sys *types.SystemContext, output string, entries []saveEntry, opts *copy.Options,
	copyOne func(types.ImageReference, *storage.Image) error) error {
	_ = os.Remove(output)
	w, err := archive.NewWriter(sys, output)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	// One copy per image, its names as the archive's tags for it: c/image cannot write the same
	// image twice into one archive.
	var order []string
	byID := map[string]*saveEntry{}
	for i := range entries {
		e := &entries[i]
		if have, ok := byID[e.img.ID]; ok {
			have.tags = append(have.tags, e.tags...)
			continue
		}
		byID[e.img.ID] = e
		order = append(order, e.img.ID)
	}
	for _, id := range order {
		e := byID[id]
		ref, err := w.NewReference(nil)
		if err != nil {
			w.Close()
			return fmt.Errorf("save: %w", err)
		}
		dsys := *sys
		dsys.DockerArchiveAdditionalTags = e.tags
		opts.DestinationCtx = &dsys
		if err := copyOne(ref, e.img); err != nil {
			w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("save: write %s: %w", output, err)
	}
	return nil
}

// ociTag is the ref.name an OCI archive or layout carries: the full name, as Podman writes it.
func ociTag(tags []reference.NamedTagged) string {
	if len(tags) == 0 {
		return ""
	}
	return tags[0].String()
}

// saveName resolves one name given to save: the image, and the tag to write when it was named by a name.
func saveName(store storage.Store, name string) (*storage.Image, []reference.NamedTagged, error) {
	img, found, err := lookup(store, name)
	if err != nil {
		return nil, nil, fmt.Errorf("save %s: %w", name, err)
	}
	for _, n := range img.Names {
		if n != found {
			continue
		}
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			break
		}
		if t, ok := reference.TagNameOnly(named).(reference.NamedTagged); ok {
			return img, []reference.NamedTagged{t}, nil
		}
	}
	return img, nil, nil
}

// TempArchive is where save writes an archive bound for stdout, and load keeps stdin: a file next to
// the layers c/image stages ($TMPDIR, else /var/tmp).
func TempArchive(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(bigFilesDir(), pattern)
	if err != nil {
		return nil, fmt.Errorf("create a temporary file in %s: %w", bigFilesDir(), err)
	}
	return f, nil
}
