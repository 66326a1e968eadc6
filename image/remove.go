package image

import (
	"errors"
	"fmt"
	"strings"

	"github.com/containers/storage"
)

// RemoveOptions control Remove.
type RemoveOptions struct {
	// All removes every image; names must then be empty.
	All bool
	// Force removes the containers that use an image (through RemoveContainer) and removes an image
	// named by ID even when it has several names. It implies Ignore, as in Podman.
	Force bool
	// Ignore skips names that match no image instead of failing on them.
	Ignore bool
	// RemoveContainer deletes one container that uses an image being force-removed. Nil means
	// store.DeleteContainer; the container layer of skiff may plug in its own (stop, then delete).
	RemoveContainer func(id string) error
}

// ErrReadOnlyImage is returned for an image of a read-only additional image store: only that store's
// owner can remove it.
var ErrReadOnlyImage = errors.New("image is in a read-only image store")

// RemoveReport lists what Remove did, in order: names removed from images, then full IDs of deleted
// images.
type RemoveReport struct {
	Untagged []string
	Deleted  []string
}

// Remove removes the images names refer to, the way `podman rmi` does: naming one of several names of
// an image only removes that name; otherwise the image is deleted with all its names, unless a
// container uses it (then it fails with storage.ErrImageUsedByContainer, or with Force removes those
// containers first). It goes on after a failure and returns every error, whose classes
// (storage.ErrImageUnknown, storage.ErrImageUsedByContainer) decide Podman's exit status.
func Remove(store storage.Store, names []string, opts RemoveOptions) (*RemoveReport, []error) {
	report := &RemoveReport{}
	if err := CheckRemoveArgs(names, opts.All); err != nil {
		return report, []error{err}
	}
	if opts.Force {
		opts.Ignore = true
	}
	if opts.RemoveContainer == nil {
		opts.RemoveContainer = store.DeleteContainer
	}
	if opts.All {
		images, err := store.Images()
		if err != nil {
			return report, []error{fmt.Errorf("list images: %w", err)}
		}
		var errs []error
		for _, img := range images {
			if img.ReadOnly {
				continue // a shared store's images are not the user's to remove
			}
			if err := removeImage(store, &img, opts, report); err != nil && !isUnknown(err) {
				errs = append(errs, err)
			}
		}
		return report, errs
	}
	var errs []error
	for _, name := range names {
		img, by, err := lookup(store, name)
		if err != nil {
			if !(opts.Ignore && isUnknown(err)) {
				errs = append(errs, err)
			}
			continue
		}
		if err := untagOrRemove(store, img, name, by, opts, report); err != nil {
			errs = append(errs, err)
		}
	}
	return report, errs
}

// CheckRemoveArgs checks that either names or all is given, with Podman's messages.
func CheckRemoveArgs(names []string, all bool) error {
	if all && len(names) > 0 {
		return errors.New("when using the --all switch, you may not pass any images names or IDs")
	}
	if !all && len(names) == 0 {
		return errors.New("image name or ID must be specified")
	}
	return nil
}

// untagOrRemove removes the name the user gave when the image has others, else the whole image.
func untagOrRemove(store storage.Store, img *storage.Image, name, by string, opts RemoveOptions, report *RemoveReport) error {
	if img.ReadOnly {
		return fmt.Errorf("rmi %s: %w (additionalimagestores in storage.conf); it can only be removed there, by the store's owner", name, ErrReadOnlyImage)
	}
	if len(img.Names) > 1 {
		id := strings.TrimPrefix(name, "sha256:")
		byID := by == name && isHex(id) && strings.HasPrefix(img.ID, id)
		byDigest := strings.Contains(by, "@")
		switch {
		case (byID || byDigest) && !opts.Force:
			how := "ID"
			if byDigest {
				how = "digest"
			}
			return fmt.Errorf("unable to delete image %q by %s with more than one tag (%s): please force removal", img.ID, how, img.Names)
		case !byID && !byDigest:
			if err := store.RemoveNames(img.ID, []string{by}); err != nil {
				return fmt.Errorf("untag %s: %w", by, err)
			}
			report.Untagged = append(report.Untagged, by)
			return nil
		}
	}
	return removeImage(store, img, opts, report)
}

// removeImage deletes img with all its names; with Force it first removes the containers using it.
func removeImage(store storage.Store, img *storage.Image, opts RemoveOptions, report *RemoveReport) error {
	ctrs, err := store.Containers()
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var users []string
	for _, c := range ctrs {
		if c.ImageID == img.ID {
			users = append(users, c.ID)
		}
	}
	if len(users) > 0 && !opts.Force {
		return fmt.Errorf("image used by %s: %w: remove the container first, or force-remove the image and its containers with --force",
			strings.Join(users, ", "), storage.ErrImageUsedByContainer)
	}
	for _, id := range users {
		if err := opts.RemoveContainer(id); err != nil {
			return fmt.Errorf("remove container %s that uses image %s: %w", shortID(id), shortID(img.ID), err)
		}
	}
	if _, err := store.DeleteImage(img.ID, true); err != nil {
		return fmt.Errorf("remove image %s: %w", shortID(img.ID), err)
	}
	report.Untagged = append(report.Untagged, img.Names...)
	report.Deleted = append(report.Deleted, img.ID)
	return nil
}
