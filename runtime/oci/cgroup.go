package oci

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where the cgroup file systems are mounted; a variable so tests can use a fixture.
var cgroupRoot = "/sys/fs/cgroup"

// statfsType returns the file system magic of path; a variable so tests can fake the host's layout.
var statfsType = func(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil
}

// crunHybridRefusal says why crun cannot start a container on this host as it is, or "" if it can
// (rootless, the monitor hides the cgroup2 hierarchy from it: see Runtime.HidesCgroup2).
//
// crun refuses every container when the cgroups are in hybrid mode (cgroup v1 controllers at
// /sys/fs/cgroup, a cgroup2 file system at /sys/fs/cgroup/unified) and the unified hierarchy has any
// controller, with "cgroups in hybrid mode not supported, drop all controllers from cgroupv2". The check
// sits in libcrun_cgroup_enter before the cgroup manager is consulted, so --cgroup-manager=disabled
// does not help, and it is in every crun release from before 1.0 to the current src/libcrun/cgroup.c:
// no version fixes it, so the test is on the host alone. This mirrors crun's own test
// (libcrun_get_cgroup_mode: statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified, then a non-empty
// unified/cgroup.controllers) and costs two statfs calls, so nothing needs caching.
func crunHybridRefusal() string {
	t, err := statfsType(cgroupRoot)
	if err != nil || t != unix.TMPFS_MAGIC {
		return "" // unified (cgroup2), legacy on another file system, or unknown: crun decides
	}
	unified := filepath.Join(cgroupRoot, "unified")
	if t, err := statfsType(unified); err != nil || t != unix.CGROUP2_SUPER_MAGIC {
		return "" // legacy v1 only: crun supports it
	}
	b, err := os.ReadFile(filepath.Join(unified, "cgroup.controllers"))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	return fmt.Sprintf("the host's cgroups are in hybrid mode with controllers on cgroup v2 (%s: %s), which crun refuses",
		filepath.Join(unified, "cgroup.controllers"), bytes.TrimSpace(b))
}

// CrunRefusal says why crun cannot start a container on this host, or "" if it can (for `system check`).
func CrunRefusal() string { return crunHybridRefusal() }
