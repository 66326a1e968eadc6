package view

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiffproject/skiff/cgroups"
	"github.com/skiffproject/skiff/container"
	process "github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/slirpnet"
)

// Sources of a container's statistics.
const (
	StatsFromCgroup    = "cgroup"
	StatsFromProcesses = "processes"
)

// StatsRow is one row of `skiff stats`; the field names are Podman's --format fields.
type StatsRow struct {
	ID, Name      string
	CPUPerc       string // over the sampling interval
	AvgCPU        string // since the start
	CPU           string // CPU time used
	MemUsage      string // "USAGE / LIMIT"
	MemUsageBytes string
	MemPerc       string
	NetIO         string
	BlockIO       string
	PIDs          string
	UpTime        string
	// Source says where the numbers come from: the container's cgroup, or (without one) its processes,
	// whose block I/O is then unknown.
	Source string

	CPUNano, MemUsageRaw, MemLimit, NetInput, NetOutput, BlockInput, BlockOutput, PIDsRaw uint64
	CPUPercent                                                                            float64
}

// StatsOptions choose the containers of StatsRow.
type StatsOptions struct {
	All      bool          // every container, not only running ones
	Interval time.Duration // between the two samples a CPU % needs; 0 = 1 s
}

type rawSample struct {
	s             cgroups.Sample
	source        string
	netIn, netOut uint64
	at, upSince   time.Time
	ok            bool
}

// StatsRow samples the named containers (all running ones when names is empty) twice, o.Interval apart.
func Stats(e *container.Engine, ctx context.Context, names []string, o StatsOptions) ([]StatsRow, error) {
	var ctrs []*container.Container
	if len(names) == 0 {
		all, err := e.All()
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			if o.All || c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused {
				ctrs = append(ctrs, c)
			}
		}
	} else {
		for _, n := range names {
			c, err := e.Get(n)
			if err != nil {
				return nil, err
			}
			if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused && !o.All {
				return nil, fmt.Errorf("stats %s: container is %s, not running (hint: use --all)", c.Name(), c.State.Status)
			}
			ctrs = append(ctrs, c)
		}
	}
	interval := o.Interval
	if interval == 0 {
		interval = time.Second
	}
	first := make([]rawSample, len(ctrs))
	for i, c := range ctrs {
		first[i] = sampleContainer(c)
	}
	if len(ctrs) > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
	}
	out := make([]StatsRow, 0, len(ctrs))
	for i, c := range ctrs {
		out = append(out, statsRow(c, first[i], sampleContainer(c)))
	}
	return out, nil
}

func sampleContainer(c *container.Container) rawSample {
	r := rawSample{at: time.Now(), upSince: c.State.StartedAt}
	if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused || c.State.Pid == 0 {
		return r
	}
	pid := c.State.Pid
	if c.State.CgroupPath != "" {
		s, err := cgroups.ReadCgroup(pid)
		if err == nil {
			r.s, r.source, r.ok = s, StatsFromCgroup, true
		}
	}
	if !r.ok {
		r.s, r.source, r.ok = processSample(pid), StatsFromProcesses, true
	}
	r.netIn, r.netOut = netDev(pid)
	return r
}

// processSample sums the CPU time, resident memory and count of pid and its descendants.
func processSample(pid int) cgroups.Sample {
	var s cgroups.Sample
	tick := uint64(100) // USER_HZ on Linux
	page := uint64(os.Getpagesize())
	for _, p := range descendants(pid) {
		_, f, err := process.Stat(p)
		if err != nil || len(f) < 22 {
			continue
		}
		ut, _ := strconv.ParseUint(f[11], 10, 64)
		st, _ := strconv.ParseUint(f[12], 10, 64)
		rss, _ := strconv.ParseUint(f[21], 10, 64)
		s.CPUNanos += (ut + st) * uint64(time.Second) / tick
		s.MemUsage += rss * page
		s.Pids++
	}
	return s
}

// descendants lists pid and every process below it.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp := process.ParentPID(p); pp > 0 {
			children[pp] = append(children[pp], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// netDev sums the received and sent bytes of the interfaces (loopback left out) in pid's network namespace.
func netDev(pid int) (in, out uint64) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "net", "dev"))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) < 9 {
			continue
		}
		rx, _ := strconv.ParseUint(fields[0], 10, 64)
		tx, _ := strconv.ParseUint(fields[8], 10, 64)
		in += rx
		out += tx
	}
	return in, out
}

// hostMemory is the machine's memory, the limit shown for a container without one.
func hostMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}

func statsRow(c *container.Container, a, b rawSample) StatsRow {
	r := StatsRow{ID: slirpnet.ShortID(c.ID), Name: c.Name(), Source: b.source}
	if !b.ok {
		r.CPUPerc, r.AvgCPU, r.CPU, r.MemUsage, r.MemUsageBytes, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs, r.UpTime =
			"--", "--", "--", "-- / --", "-- / --", "--", "-- / --", "-- / --", "--", "--"
		return r
	}
	s := b.s
	r.CPUNano, r.MemUsageRaw, r.PIDsRaw = s.CPUNanos, s.MemUsage, s.Pids
	r.NetInput, r.NetOutput, r.BlockInput, r.BlockOutput = b.netIn, b.netOut, s.BlockRead, s.BlockWrite
	if a.ok && b.at.After(a.at) && s.CPUNanos >= a.s.CPUNanos {
		r.CPUPercent = float64(s.CPUNanos-a.s.CPUNanos) / float64(b.at.Sub(a.at).Nanoseconds()) * 100
	}
	r.CPUPerc = fmt.Sprintf("%.2f%%", r.CPUPercent)
	up := b.at.Sub(b.upSince)
	if up > 0 {
		r.AvgCPU = fmt.Sprintf("%.2f%%", float64(s.CPUNanos)/float64(up.Nanoseconds())*100)
		r.UpTime = up.Round(time.Millisecond).String()
	} else {
		r.AvgCPU, r.UpTime = "--", "--"
	}
	r.CPU = time.Duration(s.CPUNanos).Round(time.Microsecond).String()
	limit := s.MemLimit
	if limit == 0 {
		limit = hostMemory()
	}
	r.MemLimit = limit
	r.MemUsage = units.HumanSize(float64(s.MemUsage)) + " / " + units.HumanSize(float64(limit))
	r.MemUsageBytes = units.BytesSize(float64(s.MemUsage)) + " / " + units.BytesSize(float64(limit))
	if limit > 0 {
		r.MemPerc = fmt.Sprintf("%.2f%%", float64(s.MemUsage)/float64(limit)*100)
	}
	r.NetIO = units.HumanSizeWithPrecision(float64(b.netIn), 3) + " / " + units.HumanSizeWithPrecision(float64(b.netOut), 3)
	if b.source == StatsFromCgroup {
		r.BlockIO = units.HumanSizeWithPrecision(float64(s.BlockRead), 3) + " / " + units.HumanSizeWithPrecision(float64(s.BlockWrite), 3)
	} else {
		r.BlockIO = "-- / --"
	}
	r.PIDs = strconv.FormatUint(s.Pids, 10)
	return r
}
