package cgroups

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Sample is one reading of a container's counters.
type Sample struct {
	CPUNanos   uint64 // CPU time used
	MemUsage   uint64 // bytes, page cache that can be reclaimed left out
	MemLimit   uint64 // bytes; 0 = none
	Pids       uint64
	BlockRead  uint64 // bytes
	BlockWrite uint64
}

// unlimited is the value a v1 memory.limit_in_bytes reads when no limit is set (or near it).
const unlimited = uint64(1) << 62

// ReadCgroup reads the counters of the cgroups process pid is in (cgroup v1).
func ReadCgroup(pid int) (Sample, error) {
	hs, err := ProcessHierarchies(pid)
	if err != nil {
		return Sample{}, err
	}
	var s Sample
	for _, h := range hs {
		dir := h.Dir(h.Path)
		if dir == "" || len(h.Controllers) == 0 {
			continue
		}
		for _, c := range h.Controllers {
			switch c {
			case "cpuacct":
				s.CPUNanos = readUint(filepath.Join(dir, "cpuacct.usage"))
			case "memory":
				usage := readUint(filepath.Join(dir, "memory.usage_in_bytes"))
				inactive := statValue(filepath.Join(dir, "memory.stat"), "total_inactive_file")
				if inactive < usage {
					usage -= inactive
				}
				s.MemUsage = usage
				if l := readUint(filepath.Join(dir, "memory.limit_in_bytes")); l < unlimited {
					s.MemLimit = l
				}
			case "pids":
				s.Pids = readUint(filepath.Join(dir, "pids.current"))
			case "blkio":
				s.BlockRead, s.BlockWrite = blkioBytes(filepath.Join(dir, "blkio.throttle.io_service_bytes_recursive"))
			}
		}
	}
	return s, nil
}

func readUint(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// statValue reads KEY from a "KEY VALUE" file such as memory.stat.
func statValue(path, key string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && k == key {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	return 0
}

// blkioBytes sums the Read and Write lines of a blkio.throttle.io_service_bytes file.
func blkioBytes(path string) (read, write uint64) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		n, _ := strconv.ParseUint(fields[2], 10, 64)
		switch fields[1] {
		case "Read":
			read += n
		case "Write":
			write += n
		}
	}
	return read, write
}
