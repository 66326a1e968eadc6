package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/cgroups"
	"github.com/skiffproject/skiff/container"
)

// limitFlags are the resource limits of create, run and update.
func limitFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit `SIZE` (512m, 2g)"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit `SIZE`"},
		&cli.StringFlag{Name: "memory-swap", Usage: "memory plus swap limit `SIZE` (-1: unlimited swap; default: twice --memory)"},
		&cli.StringFlag{Name: "cpus", Usage: "`NUMBER` of CPUs' worth of time (0.5)"},
		&cli.Uint64Flag{Name: "cpu-shares", Aliases: []string{"c"}, Usage: "CPU `SHARES` (relative weight)"},
		&cli.Uint64Flag{Name: "cpu-period", Usage: "CFS period in `MICROSECONDS`"},
		&cli.Int64Flag{Name: "cpu-quota", Usage: "CFS quota in `MICROSECONDS` per period"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "`CPUS` the container may run on (0-3, 0,1)"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "memory `NODES` the container may use (0-3, 0,1)"},
		&cli.Int64Flag{Name: "pids-limit", Usage: "maximum number of `PROCESSES` (-1: unlimited)"},
		&cli.UintFlag{Name: "blkio-weight", Usage: "block I/O `WEIGHT` (10 to 1000)"},
	}
}

// cgroupFlags are the cgroup and device flags of create and run.
func cgroupFlags() []cli.Flag {
	return append(limitFlags(),
		&cli.StringFlag{Name: "cgroups", Value: container.CgroupsEnabled, Usage: "cgroup `MODE`: enabled, disabled, no-conmon or split"},
		&cli.StringFlag{Name: "cgroupns", Usage: "cgroup namespace `MODE`: host (default) or private"},
		&cli.StringFlag{Name: "cgroup-parent", Usage: "cgroup `PATH` to create the container's cgroup in (relative: below skiff's own)"},
		&cli.StringSliceFlag{Name: "device-cgroup-rule", Usage: "device cgroup `RULE` (not available rootless)"},
	)
}

// limitOptions reads the limit flags.
func limitOptions(c *cli.Context) (cgroups.Resources, error) {
	var r cgroups.Resources
	var err error
	for _, m := range []struct {
		flag string
		dst  *int64
	}{{"memory", &r.Memory}, {"memory-reservation", &r.MemoryReservation}, {"memory-swap", &r.MemorySwap}} {
		if c.IsSet(m.flag) {
			if *m.dst, err = cgroups.ParseMemory("--"+m.flag, c.String(m.flag)); err != nil {
				return r, err
			}
		}
	}
	if c.IsSet("cpus") {
		if r.CPUs, err = cgroups.ParseCPUs(c.String("cpus")); err != nil {
			return r, err
		}
	}
	r.CPUShares, r.CPUPeriod, r.CPUQuota = c.Uint64("cpu-shares"), c.Uint64("cpu-period"), c.Int64("cpu-quota")
	r.CpusetCpus, r.CpusetMems = c.String("cpuset-cpus"), c.String("cpuset-mems")
	r.PidsLimit = c.Int64("pids-limit")
	if w := c.Uint("blkio-weight"); w > 1000 {
		return r, fmt.Errorf("--blkio-weight %d: want 10 to 1000: %w", w, cgroups.ErrInvalid)
	} else {
		r.BlkioWeight = uint16(w)
	}
	return r, r.Validate()
}

// cgroupOptions reads the cgroup flags of create and run.
func cgroupOptions(c *cli.Context) (container.CgroupOptions, error) {
	if len(c.StringSlice("device-cgroup-rule")) > 0 {
		// Podman's refusal (pkg/specgen/generate/config_linux.go).
		return container.CgroupOptions{}, errors.New("--device-cgroup-rule: device cgroup rules are not supported in rootless mode or in a user namespace")
	}
	res, err := limitOptions(c)
	if err != nil {
		return container.CgroupOptions{}, err
	}
	o := container.CgroupOptions{Resources: res, Mode: c.String("cgroups"), NS: c.String("cgroupns"), Parent: c.String("cgroup-parent"),
		Manager: c.String("cgroup-manager")} // a global flag
	return o, nil
}
