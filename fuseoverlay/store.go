// Package fuseoverlay sets up the user's containers/storage: it resolves storage.conf and the command line
// into store options, picks the driver (native overlay inside the user namespace, else fuse-overlayfs,
// else vfs), refuses a graph root on a network file system, and opens the store.
package fuseoverlay

import (
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/containers/storage"
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
	switch {
	case o.Driver != "":
		opts.GraphDriverName = o.Driver
		// Options written for another driver would make this one fail to start.
		opts.GraphDriverOptions = nil
	case configuredDriver() == "":
		// No driver chosen anywhere: let containers/storage keep the driver a store already uses, else
		// try overlay (native, then fuse-overlayfs), then vfs. DefaultStoreOptions guessed from the
		// default graph root, which --root may have replaced.
		opts.GraphDriverName = ""
		opts.GraphDriverPriority = []string{"overlay", "vfs"}
	}
	opts.GraphDriverOptions = append(opts.GraphDriverOptions, o.DriverOptions...)
	if singleMapping() && !hasOption(opts.GraphDriverOptions, "ignore_chown_errors") {
		// With only the user's own IDs mapped, files of other owners cannot be created: squash them.
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, ".ignore_chown_errors=true")
	}
	return opts, nil
}

// Open opens the store described by o.
func Open(o Options) (storage.Store, error) {
	opts, err := StoreOptions(o)
	if err != nil {
		return nil, err
	}
	if err := CheckGraphRoot(opts.GraphRoot); err != nil {
		return nil, err
	}
	store, err := storage.GetStore(opts)
	if err != nil {
		driver := opts.GraphDriverName
		if driver == "" {
			driver = strings.Join(opts.GraphDriverPriority, " or ")
		}
		return nil, fmt.Errorf("open storage %s (driver %s): %w", opts.GraphRoot, driver, err)
	}
	if store.GraphDriverName() == "vfs" && opts.GraphDriverName == "" {
		logrus.Debugf("storage: overlay is unavailable here (neither native overlay nor fuse-overlayfs); using vfs, which copies every layer")
	}
	return store, nil
}

// configuredDriver returns the storage driver chosen by STORAGE_DRIVER or a storage.conf, as
// containers/storage reads them for a rootless user, or "".
func configuredDriver() string {
	if d := os.Getenv("STORAGE_DRIVER"); d != "" {
		return d
	}
	var files []string
	if f := os.Getenv("CONTAINERS_STORAGE_CONF"); f != "" {
		files = []string{f}
	} else {
		if f, err := types.DefaultConfigFile(); err == nil {
			files = append(files, f)
		}
		files = append(files, "/etc/containers/storage.conf", "/usr/share/containers/storage.conf")
	}
	for _, f := range files {
		var conf types.TomlConfig
		if _, err := toml.DecodeFile(f, &conf); err == nil && conf.Storage.Driver != "" {
			return conf.Storage.Driver
		}
	}
	return ""
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

// ConfigFile returns the storage.conf that applies: $CONTAINERS_STORAGE_CONF, else the user's file if it
// exists, else the first system file that exists (Podman's store.configFile in info).
func ConfigFile() string {
	if f := os.Getenv("CONTAINERS_STORAGE_CONF"); f != "" {
		return f
	}
	var files []string
	if f, err := types.DefaultConfigFile(); err == nil {
		files = append(files, f)
	}
	for _, f := range append(files, "/etc/containers/storage.conf", "/usr/share/containers/storage.conf") {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}
