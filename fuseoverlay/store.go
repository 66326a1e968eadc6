package fuseoverlay

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
		// Options written for another driver would make this one fail to start; the additional image
		// stores (additionalimagestores) apply to every driver.
		opts.GraphDriverOptions = imageStoreOptions(opts.GraphDriverOptions)
	case configuredDriver() == "":
		// No driver chosen anywhere: let containers/storage keep the driver a store already uses, else
		// try overlay (native, then fuse-overlayfs), then vfs. DefaultStoreOptions guessed from the
		// default graph root, which --root may have replaced.
		opts.GraphDriverName = ""
		opts.GraphDriverPriority = []string{"overlay", "vfs"}
	}
	if o.GraphRoot == "" && configuredGraphRoot() == "" {
		if err := nodeLocalFallback(&opts); err != nil {
			return opts, err
		}
	}
	opts.GraphDriverOptions = append(opts.GraphDriverOptions, o.DriverOptions...)
	if singleMapping() && !hasOption(opts.GraphDriverOptions, "ignore_chown_errors") {
		// With only the user's own IDs mapped, files of other owners cannot be created: squash them.
		opts.GraphDriverOptions = append(opts.GraphDriverOptions, ".ignore_chown_errors=true")
	}
	if singleMapping() {
		opts.GraphDriverOptions = sharedStoreOptions(opts.GraphDriverName, opts.GraphDriverOptions)
	}
	return opts, nil
}

// Open opens the store described by o.
func Open(o Options) (storage.Store, error) {
	opts, err := StoreOptions(o)
	if err != nil {
		return nil, err
	}
	if fsName, ok := NetworkFS(opts.GraphRoot); ok {
		// Configured explicitly: honoured as written (the fallback only replaces the default).
		logrus.Debugf("storage: the configured storage root %s is on %s", opts.GraphRoot, fsName)
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

// nodeLocalFallback moves a default graph root that would be on a network file system to node-local
// storage (NodeLocalRoot), warning once, when the node-local directory is created, with the storage.conf
// line that makes the choice permanent.
func nodeLocalFallback(opts *types.StoreOptions) error {
	fsName, ok := NetworkFS(opts.GraphRoot)
	if !ok {
		return nil
	}
	local := NodeLocalRoot(os.Getenv("TMPDIR"), userns.HostUID())
	created, err := ensurePrivateDir(filepath.Dir(local))
	if err != nil {
		return err
	}
	if created {
		conf, _ := types.DefaultConfigFile()
		logrus.Warnf("storage root %s is on %s, which cannot hold the layers of a rootless user: using node-local storage %s "+
			"(to make this permanent, put graphroot = %q under [storage] in %s)", opts.GraphRoot, fsName, local, local, conf)
	}
	opts.GraphRoot = local
	return nil
}

// configuredGraphRoot returns the graph root a storage.conf chooses for a rootless user, or "": graphroot
// or rootless_storage_path of CONTAINERS_STORAGE_CONF or the user's file, rootless_storage_path of the
// system files.
func configuredGraphRoot() string {
	var user, system []string
	if f := os.Getenv("CONTAINERS_STORAGE_CONF"); f != "" {
		user = []string{f}
	} else {
		if f, err := types.DefaultConfigFile(); err == nil {
			user = append(user, f)
		}
		system = []string{"/etc/containers/storage.conf", "/usr/share/containers/storage.conf"}
	}
	for _, f := range append(user, system...) {
		var conf types.TomlConfig
		if _, err := toml.DecodeFile(f, &conf); err != nil {
			continue
		}
		if conf.Storage.RootlessStoragePath != "" {
			return conf.Storage.RootlessStoragePath
		}
		if conf.Storage.GraphRoot != "" && slices.Contains(user, f) {
			return conf.Storage.GraphRoot
		}
	}
	return ""
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

// sharedStoreOptions lets a user with a single-UID mapping run images of additional image stores
// (additionalimagestores) that another user filled: their files belong to an ID the namespace does not
// map, so neither can a container layer be created on them (its root would be chowned to that ID) nor
// could anything be written into their directories. fuse-overlayfs presents every file as the user's
// (squash_to_root; the user's own files are squashed anyway, see ignore_chown_errors) and force_mask
// makes new layers the user's. Explicit mount_program or force_mask settings are kept.
func sharedStoreOptions(driver string, opts []string) []string {
	if driver != "" && driver != "overlay" || !hasOption(opts, "imagestore") ||
		hasOption(opts, "mount_program") || hasOption(opts, "force_mask") {
		return opts
	}
	fuse, err := exec.LookPath("fuse-overlayfs")
	if err != nil {
		logrus.Warnf("additional image stores of other users need fuse-overlayfs, which is not installed (hint: apt-get install fuse-overlayfs)")
		return opts
	}
	out := slices.Clone(opts)
	mountopt := false
	for i, o := range out {
		if k, v, _ := strings.Cut(o, "="); strings.HasSuffix(strings.ToLower(k), "mountopt") {
			if v != "" {
				v += ","
			}
			out[i], mountopt = k+"="+v+"squash_to_root", true
		}
	}
	if !mountopt {
		out = append(out, ".mountopt=squash_to_root")
	}
	return append(out, ".mount_program="+fuse, ".force_mask=shared")
}

// imageStoreOptions keeps the additional image stores of driver options, for any driver.
func imageStoreOptions(opts []string) []string {
	var out []string
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		if _, name, _ := strings.Cut(k, "."); strings.EqualFold(name, "imagestore") {
			out = append(out, ".imagestore="+v)
		}
	}
	return out
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
