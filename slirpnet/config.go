package slirpnet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/BurntSushi/toml"
)

// BuiltinDefault is the rootless network used when containers.conf does not choose one.
//
// pasta is faster (see doc.go for the figures) and Podman 5 defaults to it, but the pasta of Debian 12
// (passt 2023-03-09) never completes a published TCP connection from a non-loopback client until that
// client sends data: a server that speaks first (SMTP, MySQL, FTP, VNC) hangs for clients on other
// machines. slirp4netns has no such failure, so it stays the default; containers.conf
// default_rootless_network_cmd = "pasta" switches.
const BuiltinDefault = Slirp4netns

// containersConf is the part of containers.conf(5) skiff reads.
type containersConf struct {
	Network struct {
		DefaultRootlessNetworkCmd *string `toml:"default_rootless_network_cmd"`
	} `toml:"network"`
}

// ConfFiles returns the containers.conf files in the order they apply (later ones win): the vendor
// and system files and their drop-in directories, then the user's; $CONTAINERS_CONF alone replaces
// them, and $CONTAINERS_CONF_OVERRIDE comes last.
func ConfFiles() []string {
	var files []string
	if env := os.Getenv("CONTAINERS_CONF"); env != "" {
		files = []string{env}
	} else {
		files = append(files, "/usr/share/containers/containers.conf", "/etc/containers/containers.conf")
		files = append(files, dropIns("/usr/share/containers/containers.conf.d")...)
		files = append(files, dropIns("/etc/containers/containers.conf.d")...)
		files = append(files, dropIns("/usr/share/containers/containers.rootless.conf.d")...)
		files = append(files, dropIns("/etc/containers/containers.rootless.conf.d")...)
		if dir, err := os.UserConfigDir(); err == nil {
			files = append(files, filepath.Join(dir, "containers", "containers.conf"))
			files = append(files, dropIns(filepath.Join(dir, "containers", "containers.conf.d"))...)
		}
	}
	if env := os.Getenv("CONTAINERS_CONF_OVERRIDE"); env != "" {
		files = append(files, env)
	}
	return files
}

func dropIns(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	sort.Strings(m)
	return m
}

// DefaultKind returns the rootless network to use without --network: [network]
// default_rootless_network_cmd of containers.conf ("slirp4netns" or "pasta"), else BuiltinDefault.
// Missing files are skipped; a file that does not parse, or a value skiff cannot run, is an error
// naming the file.
func DefaultKind() (string, error) {
	return defaultKindFrom(ConfFiles())
}

func defaultKindFrom(files []string) (string, error) {
	kind, from := BuiltinDefault, ""
	for _, f := range files {
		var c containersConf
		if _, err := toml.DecodeFile(f, &c); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return "", fmt.Errorf("read %s: %w", f, err)
		}
		if v := c.Network.DefaultRootlessNetworkCmd; v != nil {
			kind, from = *v, f
		}
	}
	if kind != Slirp4netns && kind != Pasta {
		return "", fmt.Errorf("%s: default_rootless_network_cmd %q: want %q or %q", from, kind, Slirp4netns, Pasta)
	}
	return kind, nil
}
