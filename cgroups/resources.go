package cgroups

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// Resources are a container's limits; the zero value of each field means "no limit".
type Resources struct {
	Memory            int64   `json:"memory,omitempty"`            // bytes
	MemoryReservation int64   `json:"memoryReservation,omitempty"` // bytes, a soft limit
	MemorySwap        int64   `json:"memorySwap,omitempty"`        // memory plus swap in bytes; -1 = unlimited
	CPUs              float64 `json:"cpus,omitempty"`              // CPUs' worth of time per period
	CPUShares         uint64  `json:"cpuShares,omitempty"`
	CPUPeriod         uint64  `json:"cpuPeriod,omitempty"` // microseconds
	CPUQuota          int64   `json:"cpuQuota,omitempty"`  // microseconds per period
	CpusetCpus        string  `json:"cpusetCpus,omitempty"`
	CpusetMems        string  `json:"cpusetMems,omitempty"`
	PidsLimit         int64   `json:"pidsLimit,omitempty"` // -1 = unlimited
	BlkioWeight       uint16  `json:"blkioWeight,omitempty"`
}

// DefaultCPUPeriod is the CFS period --cpus uses (Podman's and Docker's).
const DefaultCPUPeriod = 100000

// minMemory is the smallest memory limit Podman accepts.
const minMemory = 6 * 1024 * 1024

// ErrInvalid classes a limit that is out of range or contradicts another.
var ErrInvalid = errors.New("invalid resource limit")

// IsZero reports whether r sets no limit at all.
func (r Resources) IsZero() bool { return r == Resources{} }

// Validate checks r as Podman does.
func (r Resources) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrInvalid)
	}
	switch {
	case r.Memory < 0:
		return bad("--memory %d: must not be negative", r.Memory)
	case r.Memory > 0 && r.Memory < minMemory:
		return bad("--memory %s: the minimum memory limit allowed is 6MB", units.BytesSize(float64(r.Memory)))
	case r.MemoryReservation < 0:
		return bad("--memory-reservation %d: must not be negative", r.MemoryReservation)
	case r.Memory > 0 && r.MemoryReservation > r.Memory:
		return bad("--memory-reservation: the minimum memory limit should be larger than the memory reservation limit; see --memory")
	case r.MemorySwap < -1:
		return bad("--memory-swap %d: want -1 (unlimited) or a size", r.MemorySwap)
	case r.MemorySwap > 0 && r.Memory == 0:
		return bad("--memory-swap needs --memory: you must provide a memory limit when specifying a memory swap limit")
	case r.MemorySwap > 0 && r.MemorySwap < r.Memory:
		return bad("--memory-swap: the minimum memory swap limit should be larger than the memory limit; see --memory")
	case r.CPUs < 0 || math.IsNaN(r.CPUs) || math.IsInf(r.CPUs, 0):
		return bad("--cpus %v: want a positive number of CPUs", r.CPUs)
	case r.CPUs > 0 && (r.CPUPeriod != 0 || r.CPUQuota != 0):
		return bad("--cpus and --cpu-period/--cpu-quota cannot be set together")
	case r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000):
		return bad("--cpu-period %d: want 1000 to 1000000 microseconds", r.CPUPeriod)
	case r.CPUQuota != 0 && r.CPUQuota < 1000:
		return bad("--cpu-quota %d: want at least 1000 microseconds", r.CPUQuota)
	case r.PidsLimit < -1:
		return bad("--pids-limit %d: want -1 (unlimited) or a positive number", r.PidsLimit)
	case r.BlkioWeight != 0 && (r.BlkioWeight < 10 || r.BlkioWeight > 1000):
		return bad("--blkio-weight %d: want 10 to 1000", r.BlkioWeight)
	}
	for _, s := range []struct{ flag, v string }{{"--cpuset-cpus", r.CpusetCpus}, {"--cpuset-mems", r.CpusetMems}} {
		if err := checkList(s.v); err != nil {
			return bad("%s %q: %v", s.flag, s.v, err)
		}
	}
	return nil
}

// checkList checks a cpuset list such as 0-3,5.
func checkList(s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.ParseUint(lo, 10, 16)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 16)
		}
		if err1 != nil || err2 != nil || b < a {
			return errors.New("want a list such as 0-3,5")
		}
	}
	return nil
}

// Merge returns r with the limits set in u replacing its own (skiff update).
func (r Resources) Merge(u Resources) Resources {
	if u.Memory != 0 {
		r.Memory = u.Memory
	}
	if u.MemoryReservation != 0 {
		r.MemoryReservation = u.MemoryReservation
	}
	if u.MemorySwap != 0 {
		r.MemorySwap = u.MemorySwap
	}
	if u.CPUs != 0 {
		r.CPUs, r.CPUPeriod, r.CPUQuota = u.CPUs, 0, 0
	}
	if u.CPUPeriod != 0 || u.CPUQuota != 0 {
		r.CPUs = 0
		if u.CPUPeriod != 0 {
			r.CPUPeriod = u.CPUPeriod
		}
		if u.CPUQuota != 0 {
			r.CPUQuota = u.CPUQuota
		}
	}
	if u.CPUShares != 0 {
		r.CPUShares = u.CPUShares
	}
	if u.CpusetCpus != "" {
		r.CpusetCpus = u.CpusetCpus
	}
	if u.CpusetMems != "" {
		r.CpusetMems = u.CpusetMems
	}
	if u.PidsLimit != 0 {
		r.PidsLimit = u.PidsLimit
	}
	if u.BlkioWeight != 0 {
		r.BlkioWeight = u.BlkioWeight
	}
	return r
}

// Period and Quota return the CFS period and quota r asks for (from --cpus or set directly).
func (r Resources) Period() uint64 {
	if r.CPUs > 0 {
		return DefaultCPUPeriod
	}
	return r.CPUPeriod
}

// Quota: see Period.
func (r Resources) Quota() int64 {
	if r.CPUs > 0 {
		return int64(math.Round(r.CPUs * DefaultCPUPeriod))
	}
	return r.CPUQuota
}

// NanoCPUs is --cpus as Docker's HostConfig.NanoCpus.
func (r Resources) NanoCPUs() int64 { return int64(math.Round(r.CPUs * 1e9)) }

// OCI returns r as the runtime spec's resources. A memory limit without --memory-swap gets as much swap
// as memory (swap = 2 × memory), as in Podman and Docker.
func (r Resources) OCI() *rspec.LinuxResources {
	out := &rspec.LinuxResources{}
	if r.Memory != 0 || r.MemoryReservation != 0 || r.MemorySwap != 0 {
		m := &rspec.LinuxMemory{}
		if r.Memory > 0 {
			m.Limit = ptr(r.Memory)
			swap := r.MemorySwap
			if swap == 0 {
				swap = 2 * r.Memory
			}
			m.Swap = ptr(swap)
		}
		if r.MemoryReservation > 0 {
			m.Reservation = ptr(r.MemoryReservation)
		}
		out.Memory = m
	}
	if p, q := r.Period(), r.Quota(); p != 0 || q != 0 || r.CPUShares != 0 || r.CpusetCpus != "" || r.CpusetMems != "" {
		c := &rspec.LinuxCPU{Cpus: r.CpusetCpus, Mems: r.CpusetMems}
		if p != 0 {
			c.Period = ptr(p)
		}
		if q != 0 {
			c.Quota = ptr(q)
		}
		if r.CPUShares != 0 {
			c.Shares = ptr(r.CPUShares)
		}
		out.CPU = c
	}
	if r.PidsLimit != 0 {
		out.Pids = &rspec.LinuxPids{Limit: r.PidsLimit}
	}
	if r.BlkioWeight != 0 {
		out.BlockIO = &rspec.LinuxBlockIO{Weight: ptr(r.BlkioWeight)}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// ParseMemory parses a memory size such as 32m, 1g or 1048576 (bytes); "-1" is -1 (unlimited, for
// --memory-swap).
func ParseMemory(flag, s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	n, err := units.RAMInBytes(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q: want a size such as 512m or 2g: %w", flag, s, ErrInvalid)
	}
	return n, nil
}

// ParseCPUs parses --cpus: a positive decimal number of CPUs.
func ParseCPUs(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("--cpus %q: want a positive number such as 0.5: %w", s, ErrInvalid)
	}
	return f, nil
}
