package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
)

// Device is a host device given to the container with --device.
type Device struct {
	Source      string `json:"source"`      // the host's node, or a directory of nodes
	Destination string `json:"destination"` // where the container sees it
	Perms       string `json:"perms"`       // rw or rwm: rootless, nothing narrower can be enforced
}

// ParseDevice parses a --device value, /dev/X[:/dev/Y][:PERMS], as Podman does.
func ParseDevice(s string) (Device, error) {
	parts := strings.Split(s, ":")
	d := Device{Perms: "rwm"}
	switch len(parts) {
	case 1:
		d.Source = parts[0]
	case 2:
		d.Source = parts[0]
		if isPerms(parts[1]) {
			d.Perms = parts[1]
		} else {
			d.Destination = parts[1]
		}
	case 3:
		d.Source, d.Destination, d.Perms = parts[0], parts[1], parts[2]
		if !isPerms(d.Perms) {
			return Device{}, fmt.Errorf("--device %q: invalid device mode %q: want a combination of r, w and m", s, d.Perms)
		}
	default:
		return Device{}, fmt.Errorf("--device %q: want /dev/HOST[:/dev/CONTAINER][:rwm]", s)
	}
	if d.Destination == "" {
		d.Destination = d.Source
	}
	if !filepath.IsAbs(d.Source) {
		return Device{}, fmt.Errorf("--device %q: %q is not an absolute path of a host device", s, d.Source)
	}
	if !filepath.IsAbs(d.Destination) {
		return Device{}, fmt.Errorf("--device %q: %q is not an absolute path in the container", s, d.Destination)
	}
	d.Source, d.Destination = filepath.Clean(d.Source), filepath.Clean(d.Destination)
	if !strings.Contains(d.Perms, "r") || !strings.Contains(d.Perms, "w") {
		// The node is the host's own, bound in: only a device cgroup could narrow the access, and a
		// user namespace has none (m is moot: the container can never mknod).
		return Device{}, fmt.Errorf("--device %q: permissions %q cannot be enforced rootless, where a device is bind-mounted with the host's access and no device cgroup applies: use rw or rwm", s, d.Perms)
	}
	return d, nil
}

func isPerms(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("rwm", c) {
			return false
		}
	}
	return true
}

// CheckDevice reports a --device whose source is not a device node or a directory holding some.
func CheckDevice(d Device) error {
	_, err := deviceNodes(d)
	return err
}

// deviceNodes lists the (source, destination) pairs d stands for: the node itself, or every node
// below a directory, as Podman does.
func deviceNodes(d Device) ([][2]string, error) {
	st, err := os.Stat(d.Source)
	if err != nil {
		return nil, fmt.Errorf("--device %s: %w", d.Source, err)
	}
	if st.Mode()&fs.ModeDevice != 0 {
		return [][2]string{{d.Source, d.Destination}}, nil
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--device %s: not a device node or a directory of them", d.Source)
	}
	var out [][2]string
	err = filepath.WalkDir(d.Source, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable subdirectory holds nothing we can give
		}
		if e.Type()&fs.ModeDevice != 0 {
			rel, _ := filepath.Rel(d.Source, path)
			out = append(out, [2]string{path, filepath.Join(d.Destination, rel)})
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("--device %s: the directory holds no device nodes", d.Source)
	}
	return out, err
}

// addDevices bind-mounts each device: a user namespace cannot mknod, so a rootless container gets the
// host's node itself (Podman's rootless --device), with the access the host's node gives the user.
func addDevices(g *generate.Generator, devs []Device) error {
	for _, d := range devs {
		nodes, err := deviceNodes(d)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			g.Config.Mounts = slices.DeleteFunc(g.Config.Mounts, func(m rspec.Mount) bool { return m.Destination == n[1] })
			g.AddMount(rspec.Mount{Destination: n[1], Type: "bind", Source: n[0],
				Options: []string{"bind", "nosuid", "noexec", "rw"}})
		}
	}
	return nil
}
