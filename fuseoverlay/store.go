// Package fuseoverlay sets up the user's containers/storage: it resolves storage.conf and the command line
// into store options, picks the driver (native overlay inside the user namespace, else fuse-overlayfs,
// else vfs), refuses a graph root on a network file system, and opens the store.
package fuseoverlay

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/containers/storage"
	graphdriver "github.com/containers/storage/drivers"
	"github.com/containers/storage/types"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/userns"
)

// Options are the storage settings given on the command line; empty fields keep storage.conf's values.
type Options struct {
	GraphRoot     string // --root
	RunRoot       string // --runroot
	Driver        string // --storage-driver
	DriverOptions []string
}

// StoreOptions merges storage.conf (CONTAINERS_STORAGE_CONF, ~/.config/containers/storage.conf, then the
// system files, with Podman's rootless defaults) with o.
func StoreOptions(o Options) (types.StoreOptions, error) {
	opts, err := types.DefaultStoreOptions()
	if err != nil {
		return opts, fmt.Errorf("read storage configuration: %w", err)
	}
	if o.GraphRoot != "" {
		opts.GraphRoot = o.GraphRoot
	}
	if o.RunRoot != "" {
		opts.RunRoot = o.RunRoot
	}
	if o.Driver != "" {
		opts.GraphDriverName = o.Driver
		// Options written for another driver would make this one fail to start.
		opts.GraphDriverOptions = nil
	}
	opts.GraphDriverOptions = append(opts.GraphDriverOptions, o.DriverOptions...)
	if singleMapping() && !hasOption(opts.GraphDriverOptions, "ignore_chown_errors") {
		// With only the user's own IDs mapped, files of other owners cannot be created: squash them.
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, ".ignore_chown_errors=true")
	}
	return opts, nil
}

// Open opens the store described by o. When the driver was not chosen explicitly and overlay cannot work
// here (neither native overlay nor fuse-overlayfs), it falls back to vfs with a warning.
func Open(o Options) (storage.Store, error) {
	opts, err := StoreOptions(o)
	if err != nil {
		return nil, err
	}
	if err := CheckGraphRoot(opts.GraphRoot); err != nil {
		return nil, err
	}
	store, err := storage.GetStore(opts)
	if err == nil {
		return store, nil
	}
	explicit := o.Driver != "" || os.Getenv("STORAGE_DRIVER") != ""
	if explicit || opts.GraphDriverName == "vfs" || !driverUnsupported(err) {
		return nil, fmt.Errorf("open storage %s (driver %s): %w", opts.GraphRoot, opts.GraphDriverName, err)
	}
	logrus.Warnf("storage driver %s cannot work here (%v); using vfs, which copies every layer (hint: install fuse-overlayfs)", opts.GraphDriverName, err)
	o.Driver = "vfs"
	o.DriverOptions = withoutDriverSpecific(o.DriverOptions)
	if opts, err = StoreOptions(o); err != nil {
		return nil, err
	}
	store, err = storage.GetStore(opts)
	if err != nil {
		return nil, fmt.Errorf("open storage %s (driver vfs): %w", opts.GraphRoot, err)
	}
	return store, nil
}

func driverUnsupported(err error) bool {
	return errors.Is(err, graphdriver.ErrNotSupported) || errors.Is(err, graphdriver.ErrPrerequisites) ||
		errors.Is(err, graphdriver.ErrIncompatibleFS)
}

func hasOption(opts []string, key string) bool {
	for _, o := range opts {
		k, _, _ := strings.Cut(o, "=")
		if strings.HasSuffix(strings.ToLower(k), key) {
			return true
		}
	}
	return false
}

// withoutDriverSpecific drops overlay.* options, which vfs rejects.
func withoutDriverSpecific(opts []string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, "overlay.") && !strings.HasPrefix(o, "overlay2.") {
			out = append(out, o)
		}
	}
	return out
}

// singleMapping reports whether the namespace maps only the user's own ID.
func singleMapping() bool {
	if !userns.Inside() {
		return false
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	maps, err := userns.ParseProcMap(string(b))
	return err == nil && len(maps) == 1 && maps[0].Size == 1
}
