package quadlet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/skiffproject/skiff/record"
)

// Directories Quadlet files are read from, besides the user's own.
const (
	// AdminUserDir holds the administrator's Quadlet files for users: in it, directly or in a non-numeric
	// subdirectory for everyone, in UID/ for the user with that UID.
	AdminUserDir = "/etc/containers/systemd/users"
	// DistroUserDir holds distribution-provided Quadlet files for users.
	DistroUserDir = "/usr/share/containers/systemd/users"
)

// Env is what Dirs reads from the process's environment.
type Env struct {
	// Getenv looks up an environment variable (os.Getenv).
	Getenv func(string) string
	// UID is the user's UID on the host, Home the user's home directory.
	UID  int
	Home string
}

// Dirs returns the directories a user's Quadlet files are read from, the first one winning when two hold a
// file of the same name:
//
//  1. $XDG_RUNTIME_DIR/containers/systemd (transient files)
//  2. $XDG_CONFIG_HOME/skiff/systemd (skiff's own, where `skiff quadlet install` puts files)
//  3. $XDG_CONFIG_HOME/containers/systemd (Podman's; XDG_CONFIG_HOME defaults to ~/.config)
//  4. /etc/containers/systemd/users/$UID
//  5. /etc/containers/systemd/users
//  6. /usr/share/containers/systemd/users
//
// This is the order of Podman's Quadlet for a rootless user, with skiff's directory before Podman's.
// QUADLET_UNIT_DIRS, a colon-separated list of absolute paths, replaces the whole list.
func Dirs(env Env) []string {
	if v := env.Getenv("QUADLET_UNIT_DIRS"); v != "" {
		var dirs []string
		for _, d := range strings.Split(v, ":") {
			if filepath.IsAbs(d) {
				dirs = append(dirs, filepath.Clean(d))
			}
		}
		return dirs
	}
	var dirs []string
	if rt := env.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		dirs = append(dirs, filepath.Join(rt, "containers/systemd"))
	}
	config := env.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(config) && env.Home != "" {
		config = filepath.Join(env.Home, ".config")
	}
	if filepath.IsAbs(config) {
		dirs = append(dirs, filepath.Join(config, "skiff/systemd"), filepath.Join(config, "containers/systemd"))
	}
	return append(dirs, filepath.Join(AdminUserDir, strconv.Itoa(env.UID)), AdminUserDir, DistroUserDir)
}

// InstallDir is where `skiff quadlet install` puts files: the second of Dirs.
func InstallDir(env Env) (string, error) {
	config := env.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(config) {
		if env.Home == "" {
			return "", errors.New("quadlet: neither XDG_CONFIG_HOME nor the home directory is known")
		}
		config = filepath.Join(env.Home, ".config")
	}
	return filepath.Join(config, "skiff/systemd"), nil
}

// Find returns the paths of the Quadlet files skiff translates in dirs and their subdirectories (not the
// drop-in directories, *.d, and not the numeric subdirectories of AdminUserDir, which belong to other
// users), one per file name: the one of the first directory. The paths are sorted by file name. Missing
// directories are skipped.
func Find(dirs []string) ([]string, error) {
	seen := map[string]string{}
	for _, d := range dirs {
		if err := walk(d, d, func(path string) {
			name := filepath.Base(path)
			if _, ok := seen[name]; !ok && Supported(name) {
				seen[name] = path
			}
		}); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = seen[n]
	}
	return paths, nil
}

// walk calls fn for each regular file (symbolic links followed) in dir and its subdirectories.
func walk(top, dir string, fn func(string)) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read Quadlet directory: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		st, err := os.Stat(path)
		if err != nil {
			continue // a dangling link
		}
		if st.IsDir() {
			if strings.HasSuffix(e.Name(), ".d") || (top == AdminUserDir && dir == top && isNumber(e.Name())) {
				continue
			}
			if err := walk(top, path, fn); err != nil {
				return err
			}
			continue
		}
		if st.Mode().IsRegular() {
			fn(path)
		}
	}
	return nil
}

func isNumber(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// Load parses the Quadlet files at paths and applies their drop-ins: the *.conf files of NAME.d/ (for
// web.container, web.container.d/) and of KIND.d/ (container.d/) next to the file and in every directory of
// dirs. A drop-in's file name found in several places is taken from the first directory; drop-ins apply in
// the order of their file names, the type-wide ones first. A file that cannot be read or parsed is left out
// and its error returned, joined with the others.
func Load(paths, dirs []string) ([]*File, error) {
	var files []*File
	var errs []error
	for _, p := range paths {
		f, err := ParseFile(p)
		if err == nil {
			err = applyDropIns(f, dirs)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	return files, errors.Join(errs...)
}

func applyDropIns(f *File, dirs []string) error {
	search := append([]string{filepath.Dir(f.Path)}, dirs...)
	for _, sub := range []string{strings.TrimPrefix(extension(f.Name), ".") + ".d", f.Name + ".d"} {
		found := map[string]string{}
		for _, d := range search {
			matches, _ := filepath.Glob(filepath.Join(d, sub, "*.conf"))
			for _, m := range matches {
				if _, ok := found[filepath.Base(m)]; !ok {
					found[filepath.Base(m)] = m
				}
			}
		}
		names := make([]string, 0, len(found))
		for n := range found {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			data, err := os.ReadFile(found[n])
			if err != nil {
				return err
			}
			if err := f.parse(found[n], string(data)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Write installs units in dir as a systemd generator does: each unit as dir/NAME, and for its [Install]
// settings the symbolic links `systemctl enable` would make (dir/TARGET.wants/NAME → ../NAME, .requires,
// .upholds, and aliases). A template unit is linked only when it has a DefaultInstance=.
func Write(dir string, units []Unit) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write units: %w", err)
	}
	for _, u := range units {
		path := filepath.Join(dir, u.Name)
		if err := writeFile(path, []byte(u.Content)); err != nil {
			return fmt.Errorf("write unit %s: %w", path, err)
		}
		instance := u.Name
		if base, ok := strings.CutSuffix(u.Name, "@.service"); ok {
			if u.DefaultInstance == "" {
				continue
			}
			instance = base + "@" + u.DefaultInstance + ".service"
		}
		links := map[string][]string{".wants": u.WantedBy, ".requires": u.RequiredBy, ".upholds": u.UpheldBy}
		for _, suffix := range []string{".wants", ".requires", ".upholds"} {
			for _, target := range links[suffix] {
				if err := link(filepath.Join(dir, target+suffix), instance, "../"+u.Name); err != nil {
					return err
				}
			}
		}
		for _, a := range u.Alias {
			if err := link(dir, a, u.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

func link(dir, name, target string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install unit: %w", err)
	}
	path := filepath.Join(dir, name)
	_ = os.Remove(path)
	if err := os.Symlink(target, path); err != nil {
		return fmt.Errorf("install unit: %w", err)
	}
	return nil
}

// writeFile writes data to path atomically (package record), so that a reader never sees half a unit.
func writeFile(path string, data []byte) error { return record.WriteFile(path, data, 0o644) }
