package containersconf

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed modules/*.conf
var builtin embed.FS

// ErrUnknownModule is returned for a module found nowhere.
var ErrUnknownModule = errors.New("containers.conf module not found")

// Containers are the [containers] settings skiff takes from modules. Empty fields set nothing.
type Containers struct {
	UserNS  string   `toml:"userns"`  // --userns
	NetNS   string   `toml:"netns"`   // --network
	IPCNS   string   `toml:"ipcns"`   // --ipc
	PIDNS   string   `toml:"pidns"`   // --pid
	Volumes []string `toml:"volumes"` // -v, before the command line's
	Env     []string `toml:"env"`     // -e, before the command line's
	// Workdir is skiff's own key (Podman ignores it): --workdir.
	Workdir string `toml:"workdir"`
}

type moduleFile struct {
	Containers Containers `toml:"containers"`
}

// Dirs lists the module directories, highest priority first.
func Dirs() []string {
	var dirs []string
	if cfg, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(cfg, "containers", "containers.conf.modules"))
	}
	return append(dirs, "/etc/containers/containers.conf.modules", "/usr/share/containers/containers.conf.modules")
}

// Builtin lists the names of the modules built into skiff.
func Builtin() []string {
	entries, _ := builtin.ReadDir("modules")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".conf"))
	}
	sort.Strings(names)
	return names
}

// Find returns the path of module name and its content ("builtin:NAME" for a built-in one).
func Find(name string) (string, []byte, error) {
	if name == "" {
		return "", nil, errors.New("--module: empty module name")
	}
	if filepath.IsAbs(name) {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", nil, fmt.Errorf("--module %s: %w", name, err)
		}
		return name, b, nil
	}
	file := name
	if !strings.HasSuffix(file, ".conf") {
		file += ".conf"
	}
	for _, dir := range Dirs() {
		p := filepath.Join(dir, file)
		b, err := os.ReadFile(p)
		if err == nil {
			return p, b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, fmt.Errorf("--module %s: %w", name, err)
		}
	}
	if b, err := builtin.ReadFile("modules/" + file); err == nil {
		return "builtin:" + strings.TrimSuffix(file, ".conf"), b, nil
	}
	return "", nil, fmt.Errorf("--module %s: %w in %s, and skiff has no built-in module of that name (built in: %s)",
		name, ErrUnknownModule, strings.Join(Dirs(), ", "), strings.Join(Builtin(), ", "))
}

// Load reads the modules in order; a later module's settings override an earlier one's, and its volumes
// and environment come after. $HOME, $PWD and $USER (and other environment variables) in the values are
// expanded.
func Load(names []string) (Containers, error) {
	var out Containers
	for _, name := range names {
		path, b, err := Find(name)
		if err != nil {
			return out, err
		}
		var m moduleFile
		md, err := toml.Decode(string(b), &m)
		if err != nil {
			return out, fmt.Errorf("--module %s: read %s: %w", name, path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return out, fmt.Errorf("--module %s: %s sets %s, which skiff does not apply from a module (it applies [containers] userns, netns, ipcns, pidns, volumes, env and workdir)",
				name, path, strings.Join(keys, ", "))
		}
		c := m.Containers
		for _, s := range []struct {
			dst *string
			v   string
		}{
			{&out.UserNS, c.UserNS}, {&out.NetNS, c.NetNS}, {&out.IPCNS, c.IPCNS}, {&out.PIDNS, c.PIDNS}, {&out.Workdir, c.Workdir},
		} {
			if s.v != "" {
				*s.dst = Expand(s.v)
			}
		}
		for _, v := range c.Volumes {
			out.Volumes = append(out.Volumes, Expand(v))
		}
		for _, v := range c.Env {
			out.Env = append(out.Env, Expand(v))
		}
	}
	return out, nil
}

// Expand replaces $NAME and ${NAME} in s: HOME is the user's home directory, PWD the current directory
// (also where $PWD is not set, as under some batch schedulers), USER the user's name; others come from
// the environment.
func Expand(s string) string {
	return os.Expand(s, func(name string) string {
		switch name {
		case "HOME":
			if h, err := os.UserHomeDir(); err == nil {
				return h
			}
		case "PWD":
			if wd, err := os.Getwd(); err == nil {
				return wd
			}
		case "USER":
			if u := os.Getenv("USER"); u != "" {
				return u
			}
		}
		return os.Getenv(name)
	})
}
