package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/signature"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/storage"
	"github.com/containers/storage/types"
)

// ExportStoreOptions control ExportStore.
type ExportStoreOptions struct {
	// Writer gets the copy's progress; nil = none.
	Writer io.Writer
	// RunRoot is a private directory for the shared store's run-time state during the copy.
	RunRoot string
}

// ExportStore copies images of store into dir, a plain containers/storage image store that other users
// list under additionalimagestores in storage.conf and run from without pulling (podman-hpc's migrate,
// without the squashfs). The store's files are made readable by everyone; the images' own files keep
// their modes. It returns the IDs copied. The copy uses store's driver: readers must use the same.
func ExportStore(ctx context.Context, store storage.Store, dir string, names []string, o ExportStoreOptions) ([]string, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("export-store %s: the store directory must be an absolute path", dir)
	}
	if len(names) == 0 {
		return nil, errors.New("export-store: no image given: skiff image export-store DIR IMAGE [IMAGE...]")
	}
	var imgs []*storage.Image
	for _, name := range names {
		img, err := Lookup(store, name)
		if err != nil {
			return nil, fmt.Errorf("export-store %s: %w", name, err)
		}
		imgs = append(imgs, img)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export-store: create %s: %w", dir, err)
	}
	driver := store.GraphDriverName()
	dst, err := storage.GetStore(types.StoreOptions{
		GraphRoot:          dir,
		RunRoot:            o.RunRoot,
		GraphDriverName:    driver,
		GraphDriverOptions: ownDriverOptions(store.GraphOptions()),
	})
	if err != nil {
		return nil, fmt.Errorf("export-store: open %s (driver %s): %w", dir, driver, err)
	}
	defer func() { _, _ = dst.Shutdown(true) }()

	policy, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = policy.Destroy() }()
	var ids []string
	for i, img := range imgs {
		src, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
		if err != nil {
			return ids, err
		}
		to, err := istorage.Transport.NewStoreReference(dst, nil, img.ID)
		if err != nil {
			return ids, err
		}
		if _, err := copy.Image(ctx, policy, to, src, &copy.Options{ReportWriter: o.Writer}); err != nil {
			return ids, fmt.Errorf("export-store %s to %s: %w", names[i], dir, err)
		}
		if len(img.Names) > 0 {
			if err := dst.AddNames(img.ID, img.Names); err != nil {
				return ids, fmt.Errorf("export-store %s: name the copy in %s: %w", names[i], dir, err)
			}
		}
		ids = append(ids, img.ID)
	}
	if _, err := dst.Shutdown(true); err != nil {
		return ids, fmt.Errorf("export-store: close %s: %w", dir, err)
	}
	if err := shareStore(dir, driver); err != nil {
		return ids, err
	}
	return ids, nil
}

// ownDriverOptions drops the additional image stores from driver options: the shared store has none.
func ownDriverOptions(opts []string) []string {
	var out []string
	for _, o := range opts {
		k, _, _ := strings.Cut(o, "=")
		if _, name, _ := strings.Cut(k, "."); strings.EqualFold(name, "imagestore") || strings.EqualFold(name, "additionalimagestore") {
			continue
		}
		out = append(out, o)
	}
	return out
}

// shareStore makes a store's own files readable and its directories searchable by everyone: the
// metadata (DRIVER-images, DRIVER-layers) entirely, and under the driver's directory the layer
// directories and their bookkeeping files (overlay's link and lower), never a layer's contents.
func shareStore(dir, driver string) error {
	share := func(path string, d fs.DirEntry) error {
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Chmod(path, info.Mode().Perm()|0o755)
		case info.Mode().IsRegular():
			return os.Chmod(path, info.Mode().Perm()|0o444)
		}
		return nil
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("export-store: share %s: %w", dir, err)
	}
	for _, meta := range []string{driver + "-images", driver + "-layers"} {
		root := filepath.Join(dir, meta)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return share(path, d)
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("export-store: share %s: %w", root, err)
		}
	}
	root := filepath.Join(dir, driver)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch depth := strings.Count(rel, string(filepath.Separator)) + 1; {
		case rel == ".":
			return share(path, d)
		case depth == 1:
			// overlay: ID (a layer's directory), l (short links); vfs: dir (the layers).
			if err := share(path, d); err != nil {
				return err
			}
			if d.IsDir() && !(driver == "vfs" && d.Name() == "dir") {
				return fs.SkipDir
			}
			return nil
		default:
			// vfs: dir/ID is a layer's root file system, the image's content: it keeps its modes.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export-store: share %s: %w", root, err)
	}
	if driver == "overlay" {
		// overlay/ID/link and overlay/ID/lower are read to assemble lower directories.
		files, _ := filepath.Glob(filepath.Join(root, "*", "link"))
		lowers, _ := filepath.Glob(filepath.Join(root, "*", "lower"))
		for _, f := range append(files, lowers...) {
			if err := os.Chmod(f, 0o644); err != nil {
				return fmt.Errorf("export-store: share %s: %w", f, err)
			}
		}
	}
	return nil
}
