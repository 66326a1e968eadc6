package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/sys/capability"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrUnknownCapability is wrapped by the errors for a capability name that does not exist.
var ErrUnknownCapability = errors.New("unknown capability")

// allCaps is the --cap-add/--cap-drop keyword for every capability.
const allCaps = "ALL"

// defaultCaps is Podman's default set (containers.conf default_capabilities): 11 capabilities. Docker's
// default set has 14: it adds AUDIT_WRITE, MKNOD and NET_RAW, which Podman dropped as unneeded by most
// workloads (and MKNOD is useless in a user namespace anyway).
var defaultCaps = []string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP",
	"CAP_SETGID",
	"CAP_SETPCAP",
	"CAP_SETUID",
	"CAP_SYS_CHROOT",
}

// DefaultCapabilities returns the capabilities a container gets by default: Podman's set of 11
// (CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT),
// not Docker's 14 (Docker adds AUDIT_WRITE, MKNOD and NET_RAW). The names carry the CAP_ prefix and are sorted.
func DefaultCapabilities() []string { return slices.Clone(defaultCaps) }

// boundingSet returns the capabilities in this process's bounding set: what "ALL" and --privileged mean.
// Inside the user's namespace that is every capability the kernel supports. A variable so tests can pin it.
var boundingSet = func() ([]string, error) {
	supported, err := capability.ListSupported()
	if err != nil {
		return nil, fmt.Errorf("list the capabilities the kernel supports: %w", err)
	}
	self, err := capability.NewPid2(0)
	if err == nil {
		err = self.Load()
	}
	if err != nil {
		return nil, fmt.Errorf("read this process's capabilities: %w", err)
	}
	var caps []string
	for _, c := range supported {
		if self.Get(capability.BOUNDING, c) {
			caps = append(caps, "CAP_"+strings.ToUpper(c.String()))
		}
	}
	slices.Sort(caps)
	return caps, nil
}

// knownCaps holds every capability name the capability package knows, with the CAP_ prefix.
var knownCaps = func() map[string]bool {
	m := make(map[string]bool)
	for _, c := range capability.ListKnown() {
		m["CAP_"+strings.ToUpper(c.String())] = true
	}
	return m
}()

// normalizeCaps upper-cases names, adds the CAP_ prefix (except to ALL) and rejects unknown names.
// flag names the option in the error ("cap-add").
func normalizeCaps(flag string, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		c := strings.ToUpper(strings.TrimSpace(n))
		if c != allCaps && !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if c != allCaps && !knownCaps[c] {
			return nil, fmt.Errorf("%s %q: %w", flag, n, ErrUnknownCapability)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// mergeCaps applies --cap-add and --cap-drop to base the way Podman does (containers/common
// capabilities.MergeCapabilities): drop ALL keeps only the additions, add ALL starts from the bounding
// set, and naming one capability in both lists is an error. The result is sorted.
func mergeCaps(base, adds, drops []string) ([]string, error) {
	if slices.Contains(drops, allCaps) {
		if slices.Contains(adds, allCaps) {
			return nil, errors.New("cap-add ALL and cap-drop ALL cannot be combined")
		}
		out := slices.Clone(adds)
		slices.Sort(out)
		return out, nil
	}
	if slices.Contains(adds, allCaps) {
		all, err := boundingSet()
		if err != nil {
			return nil, err
		}
		base, adds = all, nil
	}
	for _, a := range adds {
		if slices.Contains(drops, a) {
			return nil, fmt.Errorf("capability %s cannot be both added and dropped", a)
		}
	}
	var out []string
	for _, c := range base {
		if !slices.Contains(drops, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, c := range adds {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Capabilities returns the capability sets Generate gives a process run as o.User with o.CapAdd,
// o.CapDrop and o.Privileged (the other fields are ignored). Use it for an exec'd process whose user or
// privileges differ from the container's: a non-root --user must not inherit root's effective set.
func Capabilities(o Options) (*rspec.LinuxCapabilities, error) { return capabilities(&o) }

// capabilities computes the process capability sets, as Podman does (pkg/specgen/generate/security_linux.go):
//   - the bounding set is the defaults (or every capability with privileged) after --cap-add/--cap-drop;
//   - uid 0 also gets them as effective and permitted;
//   - another user gets them in the bounding set only, so its exec'd programs start without privileges,
//     except the capabilities named by --cap-add, which it gets in every set (ambient included) because
//     asking for them explicitly means the user's program needs them;
//   - inheritable and ambient are otherwise empty, unlike runtime-tools' defaults.
func capabilities(o *Options) (*rspec.LinuxCapabilities, error) {
	adds, err := normalizeCaps("cap-add", o.CapAdd)
	if err != nil {
		return nil, err
	}
	drops, err := normalizeCaps("cap-drop", o.CapDrop)
	if err != nil {
		return nil, err
	}
	base := DefaultCapabilities()
	if o.Privileged {
		if base, err = boundingSet(); err != nil {
			return nil, err
		}
	}
	bounding, err := mergeCaps(base, adds, drops)
	if err != nil {
		return nil, err
	}
	caps := &rspec.LinuxCapabilities{Bounding: bounding, Effective: []string{}, Permitted: []string{}, Inheritable: []string{}, Ambient: []string{}}
	if o.User.UID == 0 {
		caps.Effective = slices.Clone(bounding)
		caps.Permitted = slices.Clone(bounding)
		return caps, nil
	}
	explicit, err := mergeCaps(nil, adds, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range explicit {
		if slices.Contains(bounding, c) {
			caps.Effective = append(caps.Effective, c)
			caps.Permitted = append(caps.Permitted, c)
			caps.Inheritable = append(caps.Inheritable, c)
			caps.Ambient = append(caps.Ambient, c)
		}
	}
	return caps, nil
}
