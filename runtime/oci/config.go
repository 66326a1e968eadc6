package oci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/BurntSushi/toml"
)

// engineConf is the part of containers.conf that skiff reads.
type engineConf struct {
	Engine struct {
		Runtime  string              `toml:"runtime"`
		Runtimes map[string][]string `toml:"runtimes"`
	} `toml:"engine"`
}

// confFiles lists the containers.conf files in the order Podman reads them, each overriding the ones
// before: $CONTAINERS_CONF alone when set, else /usr/share/containers/containers.conf,
// /etc/containers/containers.conf, /etc/containers/containers.conf.d/*.conf, then the user's
// $XDG_CONFIG_HOME/containers/containers.conf (~/.config when unset) and its containers.conf.d;
// $CONTAINERS_CONF_OVERRIDE comes last in both cases.
// The files named by the environment must exist; the others are optional.
func confFiles() (files, required []string) {
	if f := os.Getenv("CONTAINERS_CONF"); f != "" {
		files = append(files, f)
		required = append(required, f)
	} else {
		files = append(files, "/usr/share/containers/containers.conf", "/etc/containers/containers.conf")
		files = append(files, confDir("/etc/containers/containers.conf.d")...)
		cfg := os.Getenv("XDG_CONFIG_HOME")
		if cfg == "" {
			if home, err := os.UserHomeDir(); err == nil {
				cfg = filepath.Join(home, ".config")
			}
		}
		if cfg != "" {
			files = append(files, filepath.Join(cfg, "containers", "containers.conf"))
			files = append(files, confDir(filepath.Join(cfg, "containers", "containers.conf.d"))...)
		}
	}
	if f := os.Getenv("CONTAINERS_CONF_OVERRIDE"); f != "" {
		files = append(files, f)
		required = append(required, f)
	}
	return files, required
}

// confDir returns the *.conf files of a drop-in directory, sorted by name.
func confDir(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	sort.Strings(m)
	return m
}

// loadConf merges the containers.conf files. It returns the configured runtime name, the file that set
// it, and the [engine.runtimes] table (for a name, the paths to try, from the last file naming it).
func loadConf() (name, source string, paths map[string][]string, err error) {
	paths = map[string][]string{}
	files, required := confFiles()
	for _, f := range files {
		var c engineConf
		_, err := toml.DecodeFile(f, &c)
		if errors.Is(err, fs.ErrNotExist) && !slices.Contains(required, f) {
			continue
		}
		if err != nil {
			return "", "", nil, fmt.Errorf("read %s: %w", f, err)
		}
		if c.Engine.Runtime != "" {
			name, source = c.Engine.Runtime, f
		}
		for k, v := range c.Engine.Runtimes {
			paths[k] = v
		}
	}
	return name, source, paths, nil
}

// ConfiguredRuntime returns the runtime that containers.conf names in [engine] runtime ("" when none does).
func ConfiguredRuntime() (string, error) {
	name, _, _, err := loadConf()
	return name, err
}
