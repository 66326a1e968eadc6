package system

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/containers/storage"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/fuseoverlay"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/userns"
)

// Info is what `skiff info` prints. Field names follow `podman info` so that --format templates written
// for Podman ({{.Store.GraphDriverName}}, {{.Host.Security.Rootless}}) work unchanged.
type Info struct {
	Host    HostInfo    `json:"host"`
	Store   StoreInfo   `json:"store"`
	Plugins PluginsInfo `json:"plugins"`
	Version VersionInfo `json:"version"`
}

// Options are the engine settings info reports that the caller decides.
type Options struct {
	// Runtime is --runtime ("" = the default choice).
	Runtime string
	// LogDriver is the log driver containers get by default.
	LogDriver string
	// Version is the engine's version.
	Version VersionInfo
}

// VersionInfo has the field names of Podman's define.Version.
type VersionInfo struct {
	APIVersion string
	Version    string
	GoVersion  string
	GitCommit  string
	BuiltTime  string
	Built      int64
	OsArch     string
	Os         string
}

// PluginsInfo lists the drivers skiff has.
type PluginsInfo struct {
	Volume  []string `json:"volume"`
	Network []string `json:"network"`
	Log     []string `json:"log"`
}

// OCIRuntimeInfo is the OCI runtime containers get by default.
type OCIRuntimeInfo struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

// DistributionInfo is the host's /etc/os-release.
type DistributionInfo struct {
	Distribution string `json:"distribution"`
	Variant      string `json:"variant,omitempty"`
	Version      string `json:"version"`
	Codename     string `json:"codename,omitempty"`
}

// HostInfo describes the machine and the user's namespace.
type HostInfo struct {
	Arch           string           `json:"arch"`
	OS             string           `json:"os"`
	Kernel         string           `json:"kernel"`
	Hostname       string           `json:"hostname"`
	CgroupManager  string           `json:"cgroupManager"`
	CgroupsVersion string           `json:"cgroupVersion"`
	CPUs           int              `json:"cpus"`
	Distribution   DistributionInfo `json:"distribution"`
	EventLogger    string           `json:"eventLogger"`
	IDMappings     IDMappings       `json:"idMappings"`
	LogDriver      string           `json:"logDriver"`
	MemFree        int64            `json:"memFree"`
	MemTotal       int64            `json:"memTotal"`
	OCIRuntime     OCIRuntimeInfo   `json:"ociRuntime"`
	Security       SecurityInfo     `json:"security"`
	SwapFree       int64            `json:"swapFree"`
	SwapTotal      int64            `json:"swapTotal"`
	Uptime         string           `json:"uptime"`
	Linkmode       string           `json:"linkmode"`
	RuntimeDir     string           `json:"runtimeDir"`
	PausePID       int              `json:"pausePid"`
	OCIRuntimes    []ExternalTool   `json:"ociRuntimes"`
	Slirp4NetNS    ExternalTool     `json:"slirp4netns"`
	Pasta          ExternalTool     `json:"pasta"`
	FuseOverlayFS  ExternalTool     `json:"fuseOverlayfs"`
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
	AppArmorEnabled     bool   `json:"apparmorEnabled"`
	DefaultCapabilities string `json:"capabilities"`
	Rootless            bool   `json:"rootless"`
	SECCOMPEnabled      bool   `json:"seccompEnabled"`
	SECCOMPProfilePath  string `json:"seccompProfilePath"`
	SELinuxEnabled      bool   `json:"selinuxEnabled"`
}

// ExternalTool is a helper binary skiff found in PATH, or an empty Path when it is missing.
type ExternalTool struct {
	Name       string `json:"name,omitempty"`
	Executable string `json:"executable"`
	Package    string `json:"package"`
	Version    string `json:"version"`
}

// StoreInfo describes the container storage.
type StoreInfo struct {
	ConfigFile         string            `json:"configFile"`
	GraphDriverName    string            `json:"graphDriverName"`
	GraphRoot          string            `json:"graphRoot"`
	RunRoot            string            `json:"runRoot"`
	GraphOptions       []string          `json:"graphOptions"`
	GraphStatus        map[string]string `json:"graphStatus"`
	GraphRootAllocated uint64            `json:"graphRootAllocated"`
	GraphRootUsed      uint64            `json:"graphRootUsed"`
	ImageCopyTmpDir    string            `json:"imageCopyTmpDir"`
	VolumePath         string            `json:"volumePath"`
	ImageStore         Count             `json:"imageStore"`
	ContainerStore     Count             `json:"containerStore"`
}

// Count is a number of stored objects.
type Count struct {
	Number int `json:"number"`
}

// GetInfo collects the report for an open store.
func GetInfo(store storage.Store, o Options) (*Info, error) {
	info := &Info{Version: o.Version}
	info.Plugins = PluginsInfo{Volume: []string{"local"}, Network: []string{"bridge"}, Log: []string{"k8s-file", "journald", "none"}}
	h := &info.Host
	h.Arch, h.OS = runtime.GOARCH, runtime.GOOS
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		h.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	h.Hostname, _ = os.Hostname()
	h.CgroupsVersion = cgroupVersion()
	h.Security.Rootless = userns.Rootless()
	h.Security.SECCOMPEnabled = true
	h.Security.DefaultCapabilities = strings.Join(spec.DefaultCapabilities(), ",")
	h.CgroupManager = "cgroupfs"
	h.CPUs = runtime.NumCPU()
	h.Distribution = distribution("/etc/os-release")
	h.EventLogger = "none" // skiff keeps no event log
	h.LogDriver = o.LogDriver
	h.Linkmode = "dynamic"
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err == nil {
		unit := int64(si.Unit)
		h.MemFree, h.MemTotal = int64(si.Freeram)*unit, int64(si.Totalram)*unit
		h.SwapFree, h.SwapTotal = int64(si.Freeswap)*unit, int64(si.Totalswap)*unit
		up := time.Duration(si.Uptime) * time.Second
		h.Uptime = fmt.Sprintf("%dh %dm %.2fs", int(up.Hours()), int(up.Minutes())%60, float64(int(up.Seconds())%60))
	}
	if rt, err := oci.Find(o.Runtime, ""); err == nil {
		t := findTool(rt.Path, "--version")
		h.OCIRuntime = OCIRuntimeInfo{Name: rt.Name, Path: rt.Path, Package: t.Package, Version: t.Version}
	}
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
		if t := findTool(name, "--version"); t.Executable != "" {
			h.OCIRuntimes = append(h.OCIRuntimes, t)
		}
	}
	h.Slirp4NetNS = findTool("slirp4netns", "--version")
	h.Pasta = findTool("pasta", "--version")
	h.FuseOverlayFS = findTool("fuse-overlayfs", "--version")

	s := &info.Store
	s.ConfigFile = fuseoverlay.ConfigFile()
	s.GraphDriverName = store.GraphDriverName()
	s.VolumePath = filepath.Join(store.GraphRoot(), "volumes")
	s.ImageCopyTmpDir = "/var/tmp"
	if d := os.Getenv("TMPDIR"); d != "" {
		s.ImageCopyTmpDir = d
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(store.GraphRoot(), &fs); err == nil {
		s.GraphRootAllocated = fs.Blocks * uint64(fs.Bsize)
		s.GraphRootUsed = (fs.Blocks - fs.Bfree) * uint64(fs.Bsize)
	}
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
	t := ExternalTool{Name: filepath.Base(name), Executable: path, Package: debPackage(path)}
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

// debPackage names the Debian package that installed path as Podman does (name_version_arch), or "".
func debPackage(path string) string {
	out, err := exec.Command("dpkg-query", "-S", path).Output()
	if err != nil {
		return ""
	}
	pkg, _, ok := strings.Cut(strings.TrimSpace(string(out)), ":")
	if !ok {
		return ""
	}
	out, err = exec.Command("dpkg-query", "-W", "-f", "${Package}_${Version}_${Architecture}", pkg).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// distribution reads ID, VARIANT_ID, VERSION_ID and VERSION_CODENAME from an os-release file.
func distribution(file string) DistributionInfo {
	var d DistributionInfo
	b, err := os.ReadFile(file)
	if err != nil {
		return d
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			d.Distribution = v
		case "VARIANT_ID":
			d.Variant = v
		case "VERSION_ID":
			d.Version = v
		case "VERSION_CODENAME":
			d.Codename = v
		}
	}
	return d
}
