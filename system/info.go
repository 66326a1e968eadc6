// Package system reports on and resets the user's skiff installation: `skiff info` and `skiff system reset`.
package system

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/containers/storage"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/userns"
)

// Info is what `skiff info` prints. Field names follow `podman info` so that --format templates written
// for Podman ({{.Store.GraphDriverName}}, {{.Host.Security.Rootless}}) work unchanged.
type Info struct {
	Host  HostInfo  `json:"host"`
	Store StoreInfo `json:"store"`
}

// HostInfo describes the machine and the user's namespace.
type HostInfo struct {
	Arch          string         `json:"arch"`
	OS            string         `json:"os"`
	Kernel        string         `json:"kernel"`
	Hostname      string         `json:"hostname"`
	CgroupVersion string         `json:"cgroupVersion"`
	IDMappings    IDMappings     `json:"idMappings"`
	Security      SecurityInfo   `json:"security"`
	RuntimeDir    string         `json:"runtimeDir"`
	PausePID      int            `json:"pausePid"`
	OCIRuntimes   []ExternalTool `json:"ociRuntimes"`
	Slirp4NetNS   ExternalTool   `json:"slirp4netns"`
	Pasta         ExternalTool   `json:"pasta"`
	FuseOverlayFS ExternalTool   `json:"fuseOverlayfs"`
}

// IDMappings are the namespace's ID maps as /proc/self/uid_map shows them.
type IDMappings struct {
	UIDMap []userns.IDMap `json:"uidmap"`
	GIDMap []userns.IDMap `json:"gidmap"`
	// SingleMapping is true when only the user's own IDs are mapped (no subordinate range).
	SingleMapping bool `json:"singleMapping"`
}

// SecurityInfo says how the engine runs.
type SecurityInfo struct {
	Rootless bool `json:"rootless"`
}

// ExternalTool is a helper binary skiff found in PATH, or an empty Path when it is missing.
type ExternalTool struct {
	Name    string `json:"name,omitempty"`
	Path    string `json:"executable"`
	Version string `json:"version"`
}

// StoreInfo describes the container storage.
type StoreInfo struct {
	GraphDriverName string            `json:"graphDriverName"`
	GraphRoot       string            `json:"graphRoot"`
	RunRoot         string            `json:"runRoot"`
	GraphOptions    []string          `json:"graphOptions"`
	GraphStatus     map[string]string `json:"graphStatus"`
	ImageStore      Count             `json:"imageStore"`
	ContainerStore  Count             `json:"containerStore"`
}

// Count is a number of stored objects.
type Count struct {
	Number int `json:"number"`
}

// GetInfo collects the report for an open store.
func GetInfo(store storage.Store) (*Info, error) {
	info := &Info{}
	h := &info.Host
	h.Arch, h.OS = runtime.GOARCH, runtime.GOOS
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		h.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	h.Hostname, _ = os.Hostname()
	h.CgroupVersion = cgroupVersion()
	h.Security.Rootless = userns.Rootless()
	h.RuntimeDir = userns.RuntimeDir()
	h.PausePID = userns.PausePID()
	for _, f := range []struct {
		file string
		maps *[]userns.IDMap
	}{{"/proc/self/uid_map", &h.IDMappings.UIDMap}, {"/proc/self/gid_map", &h.IDMappings.GIDMap}} {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return nil, err
		}
		if *f.maps, err = userns.ParseProcMap(string(b)); err != nil {
			return nil, err
		}
	}
	h.IDMappings.SingleMapping = h.Security.Rootless && len(h.IDMappings.UIDMap) == 1 && h.IDMappings.UIDMap[0].Size == 1
	for _, name := range []string{"crun", "runc"} {
		if t := findTool(name, "--version"); t.Path != "" {
			h.OCIRuntimes = append(h.OCIRuntimes, t)
		}
	}
	h.Slirp4NetNS = findTool("slirp4netns", "--version")
	h.Pasta = findTool("pasta", "--version")
	h.FuseOverlayFS = findTool("fuse-overlayfs", "--version")

	s := &info.Store
	s.GraphDriverName = store.GraphDriverName()
	s.GraphRoot = store.GraphRoot()
	s.RunRoot = store.RunRoot()
	s.GraphOptions = store.GraphOptions()
	status, err := store.Status()
	if err != nil {
		return nil, err
	}
	s.GraphStatus = make(map[string]string, len(status))
	for _, kv := range status {
		s.GraphStatus[kv[0]] = kv[1]
	}
	images, err := store.Images()
	if err != nil {
		return nil, err
	}
	s.ImageStore.Number = len(images)
	containers, err := store.Containers()
	if err != nil {
		return nil, err
	}
	s.ContainerStore.Number = len(containers)
	return info, nil
}

// findTool looks name up in PATH and asks it for its version (first line of its output).
func findTool(name, versionFlag string) ExternalTool {
	path, err := exec.LookPath(name)
	if err != nil {
		return ExternalTool{Name: name}
	}
	t := ExternalTool{Name: name, Path: path}
	out, err := exec.Command(path, versionFlag).CombinedOutput()
	if err == nil {
		line, _, _ := strings.Cut(string(bytes.TrimSpace(out)), "\n")
		t.Version = strings.TrimSpace(line)
	}
	return t
}

// cgroupVersion returns v2 on a unified hierarchy, v1 otherwise (hybrid hosts included).
func cgroupVersion() string {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "v2"
	}
	return "v1"
}
