package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/slirpnet"
)

// ErrNoImage: the container has no image to build on (a pod's infra container).
var ErrNoImage = errors.New("container has no image")

// CommitOptions control Commit.
type CommitOptions struct {
	// Name is the full name of the new image; nil leaves it unnamed.
	Name reference.Named
	// Changes are --change instructions applied last.
	Changes []image.Change
	// Author (-a) and Message (-m) go into the config and its history.
	Author, Message string
	// Pause freezes the container while its file system is read.
	Pause bool
	// Squash makes one layer of the whole file system.
	Squash bool
	// Format is "oci" (default) or "docker".
	Format string
	// Writer receives the progress lines; nil is quiet.
	Writer io.Writer
}

// Commit makes a new image of the container's file system (its image plus its changes) and its
// configuration (command, entrypoint, environment, user, working directory, labels, stop signal), then
// Changes; it returns the image's ID. The container keeps running unless Pause asks to freeze it.
func Commit(ctx context.Context, e *container.Engine, nameOrID string, o CommitOptions) (string, error) {
	if err := image.CheckFormat(o.Format); err != nil {
		return "", err
	}
	c, err := e.Get(nameOrID)
	if err != nil {
		return "", err
	}
	if c.Config.ImageID == "" {
		return "", fmt.Errorf("commit container %s: %w", c.Name(), ErrNoImage)
	}
	store := e.Store()
	parent, err := store.Image(c.Config.ImageID)
	if err != nil {
		return "", fmt.Errorf("commit container %s: its image %s: %w", c.Name(), slirpnet.ShortID(c.Config.ImageID), err)
	}
	if o.Pause && c.State.Status == container.StatusRunning {
		if _, err := e.Pause(ctx, c.ID); err != nil {
			return "", fmt.Errorf("commit container %s: %w", c.Name(), err)
		}
		defer func() { _, _ = e.Unpause(context.WithoutCancel(ctx), c.ID) }()
	}

	open := func() (io.ReadCloser, error) {
		if !o.Squash {
			uncompressed := archive.Uncompressed
			r, err := store.Diff("", c.Storage.LayerID, &storage.DiffOptions{Compression: &uncompressed})
			if err != nil {
				return nil, fmt.Errorf("commit container %s: read its changes: %w", c.Name(), err)
			}
			return r, nil
		}
		rootfs, err := store.Mount(c.ID, "")
		if err != nil {
			return nil, fmt.Errorf("commit container %s: mount: %w", c.Name(), err)
		}
		r, err := archive.Tar(rootfs, archive.Uncompressed)
		if err != nil {
			_, _ = store.Unmount(c.ID, false)
			return nil, fmt.Errorf("commit container %s: %w", c.Name(), err)
		}
		return &unmountOnClose{ReadCloser: r, unmount: func() { _, _ = store.Unmount(c.ID, false) }}, nil
	}

	cfg := commitConfig(c)
	return image.NewImage(ctx, store, open, image.NewImageOptions{
		Parent:    parent,
		Squash:    o.Squash,
		Config:    cfg,
		Changes:   o.Changes,
		Name:      o.Name,
		Author:    o.Author,
		Comment:   o.Message,
		CreatedBy: strings.Join(c.Config.CreateCommand, " "),
		Format:    o.Format,
		Writer:    o.Writer,
	})
}

// commitConfig is the runtime config a commit of c starts from: the container's own settings over its
// image's (the image's exposed ports and volumes are kept by NewImage's parent config).
func commitConfig(c *container.Container) *ociv1.ImageConfig {
	return &ociv1.ImageConfig{
		User:       c.Config.User,
		Env:        slices.Clone(c.Config.Env),
		Entrypoint: slices.Clone(c.Config.Entrypoint),
		Cmd:        slices.Clone(c.Config.Cmd),
		WorkingDir: c.Config.WorkingDir,
		Labels:     maps.Clone(c.Config.Labels),
		StopSignal: c.Config.StopSignal,
	}
}

// unmountOnClose unmounts the container once its tar has been read.
type unmountOnClose struct {
	io.ReadCloser
	unmount func()
}

func (u *unmountOnClose) Close() error {
	err := u.ReadCloser.Close()
	u.unmount()
	return err
}
