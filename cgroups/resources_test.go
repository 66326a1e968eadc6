package cgroups

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		r    Resources
		ok   bool
	}{
		{"none", Resources{}, true},
		{"memory", Resources{Memory: 32 << 20}, true},
		{"memory too small", Resources{Memory: 1 << 20}, false},
		{"swap without memory", Resources{MemorySwap: 64 << 20}, false},
		{"swap below memory", Resources{Memory: 64 << 20, MemorySwap: 32 << 20}, false},
		{"unlimited swap", Resources{Memory: 64 << 20, MemorySwap: -1}, true},
		{"reservation above memory", Resources{Memory: 32 << 20, MemoryReservation: 64 << 20}, false},
		{"cpus and quota", Resources{CPUs: 1, CPUQuota: 50000}, false},
		{"period out of range", Resources{CPUPeriod: 10}, false},
		{"pids unlimited", Resources{PidsLimit: -1}, true},
		{"pids below -1", Resources{PidsLimit: -2}, false},
		{"blkio weight", Resources{BlkioWeight: 5}, false},
		{"cpuset", Resources{CpusetCpus: "0-1,3"}, true},
		{"bad cpuset", Resources{CpusetCpus: "1-0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestOCI(t *testing.T) {
	r := Resources{Memory: 32 << 20, CPUs: 0.5, PidsLimit: 20}.OCI()
	if *r.Memory.Limit != 32<<20 || *r.Memory.Swap != 64<<20 {
		t.Errorf("memory %d swap %d, want 32 MiB and 64 MiB", *r.Memory.Limit, *r.Memory.Swap)
	}
	if *r.CPU.Period != 100000 || *r.CPU.Quota != 50000 {
		t.Errorf("cpu period %d quota %d, want 100000 and 50000", *r.CPU.Period, *r.CPU.Quota)
	}
	if r.Pids.Limit != 20 {
		t.Errorf("pids %d, want 20", r.Pids.Limit)
	}
	if r := (Resources{}).OCI(); r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil {
		t.Errorf("no limits gave %+v", r)
	}
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"32m": 32 << 20, "1g": 1 << 30, "1024": 1024, "-1": -1} {
		if got, err := ParseMemory("--memory", in); err != nil || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseMemory("--memory", "lots"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseMemory(lots) = %v, want ErrInvalid", err)
	}
}

func TestMerge(t *testing.T) {
	r := Resources{Memory: 32 << 20, CPUs: 0.5}.Merge(Resources{CPUs: 1})
	if r.Memory != 32<<20 || r.CPUs != 1 {
		t.Errorf("Merge = %+v", r)
	}
	r = Resources{CPUs: 0.5}.Merge(Resources{CPUQuota: 20000})
	if r.CPUs != 0 || r.Quota() != 20000 {
		t.Errorf("Merge of a quota over --cpus = %+v", r)
	}
}
