package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/profiles/seccomp"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultMaskedPaths are hidden from the container (Podman's list, containers/common DefaultMaskedPaths):
// a file gets /dev/null bound over it, a directory an empty read-only tmpfs.
var defaultMaskedPaths = []string{
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/sys/dev/block",
	"/sys/devices/virtual/powercap",
	"/sys/firmware",
	"/sys/fs/selinux",
}

// defaultReadonlyPaths are remounted read-only in the container (Podman's list, DefaultReadOnlyPaths).
var defaultReadonlyPaths = []string{
	"/proc/asound",
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
}

// securityOpts is Options.SecurityOpts parsed.
type securityOpts struct {
	noNewPrivileges bool
	seccomp         string   // "" = the default profile, "unconfined", or a profile's path
	mask            []string // extra masked paths
	unmaskAll       bool     // unmask=ALL: no masked or read-only paths
	unmask          []string // paths taken off the masked and read-only lists
	procOpts        []string // extra /proc mount options
}

// parseSecurityOpts parses Podman's --security-opt values (Docker's "key:value" form too):
//
//	no-new-privileges[=true|false]  apparmor=unconfined        label=disable
//	seccomp=unconfined|PATH          mask=/a:/b                 unmask=ALL|/a:/b
//	proc-opts=OPT[,OPT]              systempaths=unconfined (Docker's unmask=ALL)
//
// apparmor accepts only "unconfined": skiff never applies an AppArmor profile (a user namespace cannot
// load or change one), so any other profile would be a silent lie. label accepts only "disable": there
// is no SELinux labelling here. Anything else is an error naming the option.
func parseSecurityOpts(opts []string) (securityOpts, error) {
	var s securityOpts
	for _, opt := range opts {
		key, val, ok := strings.Cut(opt, "=")
		if !ok && opt != "no-new-privileges" {
			key, val, ok = strings.Cut(opt, ":") // Docker's legacy separator
		}
		bad := func(why string) error { return fmt.Errorf("invalid security-opt %q: %s", opt, why) }
		switch key {
		case "no-new-privileges":
			if !ok {
				s.noNewPrivileges = true
				break
			}
			b, err := strconv.ParseBool(val)
			if err != nil {
				return s, bad("want true or false")
			}
			s.noNewPrivileges = b
		case "seccomp":
			if val == "" {
				return s, bad("want seccomp=unconfined or seccomp=PATH")
			}
			s.seccomp = val
		case "apparmor":
			if val != "unconfined" {
				return s, bad(apparmorReason())
			}
		case "label":
			if val != "disable" {
				return s, bad("SELinux labels are not supported, only label=disable")
			}
		case "mask":
			paths, err := splitPaths(val)
			if err != nil {
				return s, bad(err.Error())
			}
			s.mask = append(s.mask, paths...)
		case "unmask":
			if val == "ALL" {
				s.unmaskAll = true
				break
			}
			paths, err := splitPaths(val)
			if err != nil {
				return s, bad(err.Error())
			}
			s.unmask = append(s.unmask, paths...)
		case "systempaths":
			if val != "unconfined" {
				return s, bad("want systempaths=unconfined")
			}
			s.unmaskAll = true
		case "proc-opts":
			if val == "" {
				return s, bad("want proc-opts=OPTION[,OPTION...]")
			}
			s.procOpts = append(s.procOpts, strings.Split(val, ",")...)
		default:
			return s, fmt.Errorf("invalid security-opt %q: unknown option %q", opt, key)
		}
	}
	return s, nil
}

// apparmorReason explains why an AppArmor profile other than "unconfined" is refused.
func apparmorReason() string {
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && strings.TrimSpace(string(b)) == "Y" {
		return "AppArmor profiles cannot be applied to rootless containers, only apparmor=unconfined"
	}
	return "AppArmor is not enabled on this host, only apparmor=unconfined is accepted"
}

// splitPaths splits a colon-separated list of absolute paths.
func splitPaths(val string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(val, ":") {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("%q is not an absolute path", p)
		}
		out = append(out, filepath.Clean(p))
	}
	return out, nil
}

// systemPaths returns the masked and read-only paths: none for a privileged container or unmask=ALL,
// else Podman's defaults plus mask=, minus unmask= (which applies to both lists, as in Podman). With the
// host's network namespace /sys is the host's own, so /sys/kernel is masked too (as Podman does rootless).
func systemPaths(privileged, hostNet bool, s securityOpts) (masked, readonly []string) {
	if privileged || s.unmaskAll {
		return nil, nil
	}
	keep := func(p string) bool { return !slices.Contains(s.unmask, p) }
	all := slices.Clone(defaultMaskedPaths)
	if hostNet {
		all = append(all, "/sys/kernel")
	}
	for _, p := range append(all, s.mask...) {
		if keep(p) && !slices.Contains(masked, p) {
			masked = append(masked, p)
		}
	}
	for _, p := range defaultReadonlyPaths {
		if keep(p) {
			readonly = append(readonly, p)
		}
	}
	return masked, readonly
}

// seccompProfile returns the filter for the container: moby's maintained default profile
// (github.com/moby/profiles/seccomp, the one Docker ships; Podman's is derived from it) specialised to
// the container's bounding capabilities, architecture and kernel; none for "unconfined" or a privileged
// container that names no profile; or the JSON profile at a path (Docker's format or the OCI one).
// sp must already carry its final capabilities.
func seccompProfile(privileged bool, s securityOpts, sp *rspec.Spec) (*rspec.LinuxSeccomp, error) {
	switch {
	case s.seccomp == "unconfined":
		return nil, nil
	case s.seccomp == "" && privileged:
		return nil, nil
	case s.seccomp == "":
		p, err := seccomp.GetDefaultProfile(sp)
		if err != nil {
			return nil, fmt.Errorf("default seccomp profile: %w", err)
		}
		return p, nil
	}
	body, err := os.ReadFile(s.seccomp)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	p, err := seccomp.LoadProfile(string(body), sp)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile %s: %w", s.seccomp, err)
	}
	return p, nil
}
