package quadlet

import (
	"sort"
	"strings"
)

// Kinds of Quadlet files skiff translates, by extension, and the section each one describes.
var kinds = map[string]string{
	".container": "Container",
	".pod":       "Pod",
	".volume":    "Volume",
	".network":   "Network",
}

// Supported reports whether name has the extension of a Quadlet file skiff translates.
func Supported(name string) bool {
	_, ok := kinds[extension(name)]
	return ok
}

// extension is name's extension, ".container" for "web.container".
func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// The keys Podman documents for each section (podman-systemd.unit(5)). A key of this list that skiff
// does not translate is refused as unsupported; any other key is refused as unknown.
var podmanKeys = map[string][]string{
	"Container": {
		"AddCapability", "AddDevice", "AddHost", "Annotation", "AutoUpdate", "CgroupsMode", "ContainerName",
		"ContainersConfModule", "DNS", "DNSOption", "DNSSearch", "DropCapability", "Entrypoint", "Environment",
		"EnvironmentFile", "EnvironmentHost", "Exec", "ExposeHostPort", "GIDMap", "GlobalArgs", "Group",
		"GroupAdd", "HealthCmd", "HealthInterval", "HealthLogDestination", "HealthMaxLogCount",
		"HealthMaxLogSize", "HealthOnFailure", "HealthRetries", "HealthStartPeriod", "HealthStartupCmd",
		"HealthStartupInterval", "HealthStartupRetries", "HealthStartupSuccess", "HealthStartupTimeout",
		"HealthTimeout", "HostName", "IP", "IP6", "Image", "Label", "LogDriver", "LogOpt", "Mask", "Memory",
		"Mount", "Network", "NetworkAlias", "NoNewPrivileges", "Notify", "PidsLimit", "Pod", "PodmanArgs",
		"PublishPort", "Pull", "ReadOnly", "ReadOnlyTmpfs", "ReloadCmd", "ReloadSignal", "RemapGid", "RemapUid",
		"RemapUidSize", "RemapUsers", "Retry", "RetryDelay", "Rootfs", "RunInit", "SeccompProfile", "Secret",
		"SecurityLabelDisable", "SecurityLabelFileType", "SecurityLabelLevel", "SecurityLabelNested",
		"SecurityLabelType", "ServiceName", "ShmSize", "StartWithPod", "StopSignal", "StopTimeout",
		"SubGIDMap", "SubUIDMap", "Sysctl", "Timezone", "Tmpfs", "UIDMap", "Ulimit", "Unmask", "User",
		"UserNS", "VolatileTmp", "Volume", "WorkingDir",
	},
	"Pod": {
		"AddHost", "ContainersConfModule", "DNS", "DNSOption", "DNSSearch", "ExitPolicy", "GIDMap",
		"GlobalArgs", "HostName", "IP", "IP6", "Label", "Network", "NetworkAlias", "PodName", "PodmanArgs",
		"PublishPort", "RemapGid", "RemapUid", "RemapUidSize", "RemapUsers", "ServiceName", "ShmSize",
		"SubGIDMap", "SubUIDMap", "UIDMap", "UserNS", "Volume",
	},
	"Volume": {
		"ContainersConfModule", "Copy", "Device", "Driver", "GlobalArgs", "Group", "Image", "Label",
		"Options", "PodmanArgs", "ServiceName", "Type", "User", "VolumeName",
	},
	"Network": {
		"ContainersConfModule", "DisableDNS", "DNS", "Driver", "Gateway", "GlobalArgs", "IPAMDriver",
		"IPRange", "IPv6", "InterfaceName", "Internal", "Label", "NetworkDeleteOnStop", "NetworkName",
		"Options", "PodmanArgs", "ServiceName", "Subnet",
	},
	"Quadlet": {"DefaultDependencies"},
}

// skiffKeys are the keys skiff translates, per section: the flags of `skiff run`, `pod create`,
// `volume create` and `network create` they map to are in container.go, pod.go, volume.go and network.go.
// SkiffArgs is skiff's name for PodmanArgs; both are accepted.
var skiffKeys = map[string][]string{
	"Container": {
		"AddCapability", "ContainerName", "DropCapability", "Entrypoint", "Environment", "EnvironmentFile",
		"Exec", "GIDMap", "GlobalArgs", "Group", "GroupAdd", "HostName", "IP", "Image", "Label", "LogDriver",
		"Mount", "Network", "NetworkAlias", "NoNewPrivileges", "Notify", "Pod", "PodmanArgs", "PublishPort",
		"Pull", "ReadOnly", "ReloadCmd", "ReloadSignal", "RunInit", "SeccompProfile", "SecurityLabelDisable",
		"ServiceName", "SkiffArgs", "StartWithPod", "StopSignal", "StopTimeout", "Tmpfs", "UIDMap", "Ulimit",
		"User", "UserNS", "VolatileTmp", "Volume", "WorkingDir",
	},
	"Pod": {
		"AddHost", "DNS", "GlobalArgs", "HostName", "Label", "Network", "PodName", "PodmanArgs", "PublishPort",
		"ServiceName", "SkiffArgs",
	},
	"Volume": {
		"Device", "Driver", "GlobalArgs", "Group", "Label", "Options", "PodmanArgs", "ServiceName",
		"SkiffArgs", "Type", "User", "VolumeName",
	},
	"Network": {
		"Driver", "Gateway", "GlobalArgs", "Internal", "Label", "NetworkDeleteOnStop", "NetworkName",
		"PodmanArgs", "ServiceName", "SkiffArgs", "Subnet",
	},
	"Quadlet": {"DefaultDependencies"},
}

var podmanKeySet, skiffKeySet = sets(podmanKeys), sets(skiffKeys)

func sets(m map[string][]string) map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(m))
	for sec, keys := range m {
		out[sec] = make(map[string]bool, len(keys))
		for _, k := range keys {
			out[sec][k] = true
		}
	}
	return out
}

// passThrough are the systemd sections copied into the generated unit.
var passThrough = map[string]bool{"Unit": true, "Service": true, "Install": true}

// checkKeys refuses unknown sections and, in the Quadlet sections, unknown and unsupported keys.
func checkKeys(f *File, kind string) error {
	for _, s := range f.Sections {
		switch {
		case s.Name == kind || s.Name == "Quadlet":
			for _, e := range s.Entries {
				if skiffKeySet[s.Name][e.Key] {
					continue
				}
				if podmanKeySet[s.Name][e.Key] {
					return errorf(e.Pos, "key %q in [%s] is not supported by skiff (hint: %s)", e.Key, s.Name, unsupportedHint(s.Name))
				}
				return errorf(e.Pos, "unknown key %q in [%s]%s", e.Key, s.Name, suggest(e.Key, s.Name))
			}
		case passThrough[s.Name] || strings.HasPrefix(s.Name, "X-"):
		default:
			return errorf(s.Pos, "unknown section [%s] in a .%s file (want [%s], [Unit], [Service], [Install], [Quadlet] or [X-…])",
				s.Name, strings.ToLower(kind), kind)
		}
	}
	return nil
}

func unsupportedHint(section string) string {
	cmd := map[string]string{"Container": "run", "Pod": "pod create", "Volume": "volume create", "Network": "network create"}[section]
	if cmd == "" {
		return "remove it"
	}
	return "SkiffArgs= passes flags of `skiff " + cmd + "` through"
}

// suggest names the known key closest to an unknown one: a different case, or one edit away.
func suggest(key, section string) string {
	var known []string
	for k := range podmanKeySet[section] {
		known = append(known, k)
	}
	for k := range skiffKeySet[section] {
		if !podmanKeySet[section][k] {
			known = append(known, k)
		}
	}
	sort.Strings(known)
	for _, k := range known {
		if strings.EqualFold(k, key) || editDistance(strings.ToLower(k), strings.ToLower(key)) <= 1 {
			return " (did you mean " + k + "?)"
		}
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
