package cdi

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	cdiapi "tags.cncf.io/container-device-interface/pkg/cdi"
	"tags.cncf.io/container-device-interface/pkg/parser"
)

// ErrUnknownDevice is returned for a qualified name that no spec defines.
var ErrUnknownDevice = errors.New("unknown CDI device")

// GPUVendorClass is the CDI kind `--gpus` selects, as Podman and Docker map it.
const GPUVendorClass = "nvidia.com/gpu"

// SpecDirs returns the directories searched for CDI specs, lowest priority first.
func SpecDirs() []string {
	dirs := []string{"/etc/cdi", "/var/run/cdi"}
	if cfg, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(cfg, "cdi"))
	}
	return dirs
}

// IsQualified reports whether name is a CDI device name (vendor.com/class=name) rather than a path.
func IsQualified(name string) bool { return parser.IsQualifiedName(name) }

// GPUDevices turns a --gpus value (Docker's: all, a count N, count=N, device=ID[,ID...]) into CDI names
// of the nvidia.com/gpu kind. Other Docker options (driver=, capabilities=) are refused.
func GPUDevices(value string) ([]string, error) {
	value = strings.Trim(strings.TrimSpace(value), `"`)
	name := func(id string) string { return GPUVendorClass + "=" + id }
	if value == "all" || value == "count=all" {
		return []string{name("all")}, nil
	}
	if ids, ok := strings.CutPrefix(value, "device="); ok {
		var out []string
		for _, id := range strings.Split(ids, ",") {
			if id = strings.TrimSpace(id); id == "" {
				return nil, fmt.Errorf("--gpus %q: empty device ID (want device=0 or device=0,1)", value)
			}
			out = append(out, name(id))
		}
		return out, nil
	}
	count := strings.TrimPrefix(value, "count=")
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("--gpus %q: want all, a number of GPUs, or device=ID[,ID...]", value)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = name(strconv.Itoa(i))
	}
	return out, nil
}

// Registry is a loaded set of CDI specs.
type Registry struct {
	cache *cdiapi.Cache
	dirs  []string
}

// Load reads the specs of dirs (SpecDirs when nil). Directories that do not exist are skipped.
func Load(dirs []string) (*Registry, error) {
	if dirs == nil {
		dirs = SpecDirs()
	}
	cache, err := cdiapi.NewCache(cdiapi.WithSpecDirs(dirs...), cdiapi.WithAutoRefresh(false))
	if err != nil {
		return nil, fmt.Errorf("read CDI specs in %s: %w", strings.Join(dirs, ", "), err)
	}
	return &Registry{cache: cache, dirs: dirs}, nil
}

// Devices lists the qualified names of every device the specs define, sorted.
func (r *Registry) Devices() []string {
	d := r.cache.ListDevices()
	sort.Strings(d)
	return d
}

// Errors lists the problems of the spec files that could not be used, one line each, sorted.
func (r *Registry) Errors() []string {
	var out []string
	for path, errs := range r.cache.GetErrors() {
		for _, err := range errs {
			out = append(out, fmt.Sprintf("%s: %v", path, err))
		}
	}
	sort.Strings(out)
	return out
}

// Inject adds the devices named to s: their device nodes (as bind mounts), environment, mounts and hooks.
// A name no spec defines is ErrUnknownDevice naming the directories searched.
func (r *Registry) Inject(s *rspec.Spec, devices []string) error {
	for _, d := range devices {
		if !IsQualified(d) {
			return fmt.Errorf("--device %s: not a CDI device name (want vendor.com/class=name)", d)
		}
	}
	before := 0
	if s.Linux != nil {
		before = len(s.Linux.Devices)
	}
	resources := (*rspec.LinuxResources)(nil)
	if s.Linux != nil {
		resources = s.Linux.Resources
	}
	unresolved, err := r.cache.InjectDevices(s, devices...)
	if len(unresolved) > 0 {
		return fmt.Errorf("%w %s: no CDI spec in %s defines it (hint: list the devices found with 'skiff system check')",
			ErrUnknownDevice, strings.Join(unresolved, ", "), strings.Join(r.dirs, ", "))
	}
	if err != nil {
		return fmt.Errorf("inject CDI devices %s: %w", strings.Join(devices, ", "), err)
	}
	bindDevices(s, before, r.hostPaths(devices))
	s.Linux.Resources = resources
	return nil
}

// hostPaths maps the container path of each device node the devices (and their specs) add to the node
// on the host: a spec may place a host node elsewhere in the container (hostPath).
func (r *Registry) hostPaths(devices []string) map[string]string {
	paths := map[string]string{}
	for _, name := range devices {
		d := r.cache.GetDevice(name)
		if d == nil {
			continue
		}
		nodes := slices.Clone(d.ContainerEdits.DeviceNodes)
		if sp := d.GetSpec(); sp != nil && sp.Spec != nil {
			nodes = append(nodes, sp.ContainerEdits.DeviceNodes...)
		}
		for _, n := range nodes {
			if n != nil && n.HostPath != "" {
				paths[n.Path] = n.HostPath
			}
		}
	}
	return paths
}

// bindDevices turns the device nodes CDI added (from index from on) into bind mounts of the host's nodes:
// a user namespace cannot mknod.
func bindDevices(s *rspec.Spec, from int, hostPaths map[string]string) {
	if s.Linux == nil || len(s.Linux.Devices) <= from {
		return
	}
	for _, d := range s.Linux.Devices[from:] {
		host := d.Path
		if p, ok := hostPaths[d.Path]; ok {
			host = p
		}
		s.Mounts = slices.DeleteFunc(s.Mounts, func(m rspec.Mount) bool { return m.Destination == d.Path })
		s.Mounts = append(s.Mounts, rspec.Mount{Destination: d.Path, Type: "bind", Source: host,
			Options: []string{"bind", "nosuid", "noexec", "rw"}})
	}
	s.Linux.Devices = s.Linux.Devices[:from]
}
