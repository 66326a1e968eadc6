package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/storage/pkg/archive"
	"github.com/containers/storage/pkg/chrootarchive"
	securejoin "github.com/cyphar/filepath-securejoin"
)

// CopyOptions control Copy.
type CopyOptions struct {
	// Stdin and Stdout stand for "-": a tar stream to extract into the container, or to receive.
	Stdin  io.Reader
	Stdout io.Writer
	// Overwrite lets a copy into the container replace a directory with a file and a file with a
	// directory (--overwrite).
	Overwrite bool
}

// ParseCopyPath splits a cp argument: "CONTAINER:PATH" gives the container and the path, anything else
// (a local path, "-") only the path. A local path containing ':' can be written as ./a:b.
func ParseCopyPath(arg string) (ctr, path string) {
	if strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") || arg == "-" {
		return "", arg
	}
	if c, p, ok := strings.Cut(arg, ":"); ok {
		return c, p
	}
	return "", arg
}

// Copy copies between the local file system and a container's with docker cp's semantics: a
// directory is copied with its content ("dir/." copies only the content), a file onto a file or into
// a directory, "-" is a tar stream. Exactly one of src and dst names a container ("CONTAINER:PATH").
// Paths in the container resolve inside its root file system, symlinks included, and extraction
// into it happens chrooted there, so nothing can be written outside.
func (e *Engine) Copy(ctx context.Context, src, dst string, o CopyOptions) error {
	sc, sp := ParseCopyPath(src)
	dc, dp := ParseCopyPath(dst)
	switch {
	case sc != "" && dc != "":
		return errors.New("cp: copying between two containers is not supported: copy to the host first")
	case sc == "" && dc == "":
		return errors.New("cp: one of the paths must name a container: CONTAINER:PATH")
	}
	name := sc
	if name == "" {
		name = dc
	}
	c, l, err := e.lockedGet(ctx, name)
	if err != nil {
		return err
	}
	defer l.unlock()
	rootfs, err := e.store.Mount(c.ID, "")
	if err != nil {
		return fmt.Errorf("cp: mount container %s: %w", c.Name(), err)
	}
	// Drop only the mount count taken here: a running container keeps its own.
	defer func() { _, _ = e.store.Unmount(c.ID, false) }()
	if sc != "" {
		return copyOut(rootfs, sp, dp, o.Stdout)
	}
	return copyIn(rootfs, sp, dp, o.Stdin, o.Overwrite)
}

// inRoot resolves path inside rootfs, keeping a trailing "/" or "/." that changes cp's meaning.
func inRoot(rootfs, path string) (string, error) {
	if !filepath.IsAbs(path) {
		path = "/" + path
	}
	dir, base := filepath.Split(filepath.Clean(path))
	// The last element is resolved by the copy itself (not followed), its parents here.
	parent, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return "", err
	}
	p := filepath.Join(parent, base)
	if base == "/" || base == "" {
		p = parent
	}
	return archive.PreserveTrailingDotOrSeparator(p, path), nil
}

func copyOut(rootfs, cpath, local string, stdout io.Writer) error {
	src, err := inRoot(rootfs, cpath)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, err)
	}
	info, err := archive.CopyInfoSourcePath(src, false)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, noRoot(err, rootfs))
	}
	content, err := archive.TarResource(info)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, noRoot(err, rootfs))
	}
	defer content.Close()
	if local == "-" {
		_, err = io.Copy(stdout, content)
		return err
	}
	if err := archive.CopyTo(content, info, local); err != nil {
		return fmt.Errorf("cp: %s: %w", local, err)
	}
	return nil
}

func copyIn(rootfs, local, cpath string, stdin io.Reader, overwrite bool) error {
	dst, err := inRoot(rootfs, cpath)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, err)
	}
	opts := &archive.TarOptions{NoLchown: true, NoOverwriteDirNonDir: !overwrite}
	if local == "-" {
		st, err := os.Stat(dst)
		if err != nil || !st.IsDir() {
			return fmt.Errorf("cp: %s: a tar stream must be extracted into an existing directory", cpath)
		}
		return chrootarchive.UntarWithRoot(stdin, dst, opts, rootfs)
	}
	info, err := archive.CopyInfoSourcePath(local, false)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	content, err := archive.TarResource(info)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer content.Close()
	dstInfo, err := archive.CopyInfoDestinationPath(dst)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, noRoot(err, rootfs))
	}
	dstDir, prepared, err := archive.PrepareArchiveCopy(content, info, dstInfo)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, noRoot(err, rootfs))
	}
	defer prepared.Close()
	if err := chrootarchive.UntarWithRoot(prepared, dstDir, opts, rootfs); err != nil {
		return fmt.Errorf("cp: %s: %w", cpath, noRoot(err, rootfs))
	}
	return nil
}

// noRoot removes the host path of the container's root from an error, so that messages show the path
// as the container sees it.
func noRoot(err error, rootfs string) error {
	msg := strings.ReplaceAll(err.Error(), rootfs, "")
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: %w", strings.TrimSuffix(msg, ": no such file or directory"), os.ErrNotExist)
	}
	return errors.New(msg)
}

// StatPath describes path in container nameOrID's root file system, resolved as Copy resolves it
// (docker cp asks for it before a copy). A missing path wraps os.ErrNotExist. linkTarget is the
// target of a symbolic link ("" otherwise).
func (e *Engine) StatPath(ctx context.Context, nameOrID, path string) (info os.FileInfo, linkTarget string, err error) {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return nil, "", err
	}
	defer l.unlock()
	rootfs, err := e.store.Mount(c.ID, "")
	if err != nil {
		return nil, "", fmt.Errorf("stat in container %s: mount it: %w", c.Name(), err)
	}
	defer func() { _, _ = e.store.Unmount(c.ID, false) }()
	p, err := inRoot(rootfs, path)
	if err != nil {
		return nil, "", fmt.Errorf("stat %s in container %s: %w", path, c.Name(), err)
	}
	info, err = os.Lstat(p)
	if err != nil {
		return nil, "", fmt.Errorf("stat %s in container %s: %w", path, c.Name(), noRoot(err, rootfs))
	}
	if info.Mode()&os.ModeSymlink != 0 {
		linkTarget, _ = os.Readlink(p)
	}
	return info, linkTarget, nil
}
