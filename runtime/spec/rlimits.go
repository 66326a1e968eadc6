package spec

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/sys/capability"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitDefault is Podman's ceiling for the default RLIMIT_NOFILE and RLIMIT_NPROC (define.RLimitDefaultValue).
const rlimitDefault = 1048576

// rlimits maps Docker's --ulimit names to the OCI type and the resource number.
var rlimits = map[string]struct {
	oci string
	res int
}{
	"as":         {"RLIMIT_AS", unix.RLIMIT_AS},
	"core":       {"RLIMIT_CORE", unix.RLIMIT_CORE},
	"cpu":        {"RLIMIT_CPU", unix.RLIMIT_CPU},
	"data":       {"RLIMIT_DATA", unix.RLIMIT_DATA},
	"fsize":      {"RLIMIT_FSIZE", unix.RLIMIT_FSIZE},
	"locks":      {"RLIMIT_LOCKS", unix.RLIMIT_LOCKS},
	"memlock":    {"RLIMIT_MEMLOCK", unix.RLIMIT_MEMLOCK},
	"msgqueue":   {"RLIMIT_MSGQUEUE", unix.RLIMIT_MSGQUEUE},
	"nice":       {"RLIMIT_NICE", unix.RLIMIT_NICE},
	"nofile":     {"RLIMIT_NOFILE", unix.RLIMIT_NOFILE},
	"nproc":      {"RLIMIT_NPROC", unix.RLIMIT_NPROC},
	"rss":        {"RLIMIT_RSS", unix.RLIMIT_RSS},
	"rtprio":     {"RLIMIT_RTPRIO", unix.RLIMIT_RTPRIO},
	"rttime":     {"RLIMIT_RTTIME", unix.RLIMIT_RTTIME},
	"sigpending": {"RLIMIT_SIGPENDING", unix.RLIMIT_SIGPENDING},
	"stack":      {"RLIMIT_STACK", unix.RLIMIT_STACK},
}

// getrlimit reads one of this process's limits; a variable so tests can pin the host's limits.
var getrlimit = func(res int) (unix.Rlimit, error) {
	var r unix.Rlimit
	err := unix.Getrlimit(res, &r)
	return r, err
}

// canRaiseHardLimits reports whether the runtime may raise a hard limit: only with CAP_SYS_RESOURCE in
// the initial user namespace (real root, and not in a sandbox that dropped the capability). Inside the
// user's namespace setrlimit fails with EPERM, so a container asking for more than the current hard
// limit would fail to start with runc's "error setting rlimit type 7: operation not permitted".
var canRaiseHardLimits = func() bool {
	if !initialUserNS() {
		return false
	}
	self, err := capability.NewPid2(0)
	if err != nil || self.Load() != nil {
		return false
	}
	return self.Get(capability.EFFECTIVE, capability.CAP_SYS_RESOURCE)
}

// initialUserNS reports whether this process is in the initial user namespace (an identity uid_map of the whole range).
func initialUserNS() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// processRlimits returns the container's limits: RLIMIT_NOFILE and RLIMIT_NPROC by default, then each
// --ulimit. runtime-tools' default (NOFILE 1024) is replaced by what Podman gives a rootless container:
// NOFILE soft and hard at the current hard limit (Podman raises its own soft limit to the hard one at
// start-up, so containers inherit that), NPROC at the current soft and hard limits, each capped at
// 1048576. Docker's --ulimit forms: "nofile=1024:2048" (soft:hard), "nproc=100" (both), -1 or
// "unlimited" for no limit, and Podman's "host" (every limit as this process has it).
func processRlimits(ulimits []string) ([]rspec.POSIXRlimit, error) {
	raise := canRaiseHardLimits()
	var out []rspec.POSIXRlimit
	set := func(l rspec.POSIXRlimit) {
		for i := range out {
			if out[i].Type == l.Type {
				out[i] = l
				return
			}
		}
		out = append(out, l)
	}
	nofile, err := getrlimit(unix.RLIMIT_NOFILE)
	if err != nil {
		return nil, fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
	}
	nproc, err := getrlimit(unix.RLIMIT_NPROC)
	if err != nil {
		return nil, fmt.Errorf("getrlimit RLIMIT_NPROC: %w", err)
	}
	if raise {
		nofile = unix.Rlimit{Cur: rlimitDefault, Max: rlimitDefault}
		nproc = nofile
	}
	n := min(nofile.Max, rlimitDefault)
	set(rspec.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: n, Hard: n})
	set(rspec.POSIXRlimit{Type: "RLIMIT_NPROC", Soft: min(nproc.Cur, rlimitDefault), Hard: min(nproc.Max, rlimitDefault)})

	for _, u := range ulimits {
		if u == "host" {
			for _, name := range slices.Sorted(maps.Keys(rlimits)) {
				r, err := getrlimit(rlimits[name].res)
				if err != nil {
					return nil, fmt.Errorf("ulimit host: getrlimit %s: %w", rlimits[name].oci, err)
				}
				set(rspec.POSIXRlimit{Type: rlimits[name].oci, Soft: r.Cur, Hard: r.Max})
			}
			continue
		}
		l, res, err := parseUlimit(u)
		if err != nil {
			return nil, err
		}
		if !raise {
			cur, err := getrlimit(res)
			if err != nil {
				return nil, fmt.Errorf("ulimit %q: getrlimit %s: %w", u, l.Type, err)
			}
			if l.Hard > cur.Max {
				return nil, fmt.Errorf("ulimit %q: hard limit %s exceeds the current hard limit %s, which a rootless container cannot raise",
					u, rlimitString(l.Hard), rlimitString(cur.Max))
			}
		}
		set(l)
	}
	return out, nil
}

// parseUlimit parses one --ulimit NAME=SOFT[:HARD] value.
func parseUlimit(u string) (rspec.POSIXRlimit, int, error) {
	name, vals, ok := strings.Cut(u, "=")
	if !ok {
		return rspec.POSIXRlimit{}, 0, fmt.Errorf("invalid ulimit %q: want NAME=SOFT[:HARD]", u)
	}
	r, known := rlimits[strings.TrimPrefix(strings.ToLower(name), "rlimit_")]
	if !known {
		return rspec.POSIXRlimit{}, 0, fmt.Errorf("invalid ulimit %q: unknown limit %q", u, name)
	}
	softS, hardS, hasHard := strings.Cut(vals, ":")
	soft, err := parseRlimitValue(softS)
	if err != nil {
		return rspec.POSIXRlimit{}, 0, fmt.Errorf("invalid ulimit %q: %w", u, err)
	}
	hard := soft
	if hasHard {
		if hard, err = parseRlimitValue(hardS); err != nil {
			return rspec.POSIXRlimit{}, 0, fmt.Errorf("invalid ulimit %q: %w", u, err)
		}
	}
	if soft > hard {
		return rspec.POSIXRlimit{}, 0, fmt.Errorf("invalid ulimit %q: soft limit %s is above the hard limit %s", u, rlimitString(soft), rlimitString(hard))
	}
	return rspec.POSIXRlimit{Type: r.oci, Soft: soft, Hard: hard}, r.res, nil
}

// parseRlimitValue parses a limit: a non-negative integer, or -1 / "unlimited" for RLIM_INFINITY.
func parseRlimitValue(s string) (uint64, error) {
	if s == "-1" || s == "unlimited" {
		return unix.RLIM_INFINITY, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number, -1 or unlimited", s)
	}
	return v, nil
}

// rlimitString prints a limit as ulimit(1) does.
func rlimitString(v uint64) string {
	if v == unix.RLIM_INFINITY || v == math.MaxUint64 {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}
