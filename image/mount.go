package image

import (
	"fmt"

	"github.com/containers/storage"
)

// Mount mounts the root file system of the image name refers to, read-only, and returns the path. The
// mount lives in the mount namespace of the caller (skiff's user namespace), so other skiff commands
// and `skiff unshare` see it; Unmount releases it.
func Mount(store storage.Store, name string) (id, path string, err error) {
	img, err := Lookup(store, name)
	if err != nil {
		return "", "", err
	}
	path, err = store.MountImage(img.ID, nil, "")
	if err != nil {
		return "", "", fmt.Errorf("mount image %s: %w", name, err)
	}
	return img.ID, path, nil
}

// Unmount releases one mount of the image name refers to (all of them with force) and returns its ID.
func Unmount(store storage.Store, name string, force bool) (string, error) {
	img, err := Lookup(store, name)
	if err != nil {
		return "", err
	}
	if _, err := store.UnmountImage(img.ID, force); err != nil {
		return "", fmt.Errorf("unmount image %s: %w", name, err)
	}
	return img.ID, nil
}
