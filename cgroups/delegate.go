package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Root is where the cgroup file systems are mounted; a variable so tests can use a fixture.
var Root = "/sys/fs/cgroup"

// selfCgroup is the cgroup file of the calling process; a variable for tests.
var selfCgroup = "/proc/self/cgroup"

// DelegatedName is the directory an administrator delegates to user UID below the cgroup the user's
// processes are in, in every v1 hierarchy: `mkdir DIR/skiff-UID && chown UID DIR/skiff-UID` (with
// cpuset.cpus and cpuset.mems copied from DIR in the cpuset hierarchy).
func DelegatedName(uid int) string { return fmt.Sprintf("skiff-%d", uid) }

// ErrNotDelegated: no cgroup is delegated to the user, so no limit can be enforced.
var ErrNotDelegated = errors.New("no cgroup is delegated to the user")

// Hierarchy is one cgroup hierarchy the calling process is in, from /proc/self/cgroup.
type Hierarchy struct {
	Controllers []string // memory; cpu,cpuacct; name=systemd; none for cgroup v2
	Path        string   // the process's cgroup in it, from the hierarchy's root
}

// Dir is the directory of hierarchy h's cgroup path p under Root, or "" when it is not mounted there.
func (h Hierarchy) Dir(p string) string {
	if len(h.Controllers) == 0 {
		return filepath.Join(Root, "unified", p)
	}
	for _, c := range h.Controllers {
		name := strings.TrimPrefix(c, "name=")
		if st, err := os.Stat(filepath.Join(Root, name)); err == nil && st.IsDir() {
			return filepath.Join(Root, name, p)
		}
	}
	return ""
}

// Own lists the hierarchies of the calling process.
func Own() ([]Hierarchy, error) {
	return parseCgroupFile(selfCgroup)
}

// ProcessHierarchies lists the hierarchies of process pid (a container's init).
func ProcessHierarchies(pid int) ([]Hierarchy, error) {
	return parseCgroupFile(fmt.Sprintf("/proc/%d/cgroup", pid))
}

func parseCgroupFile(path string) ([]Hierarchy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read cgroups: %w", err)
	}
	defer f.Close()
	var out []Hierarchy
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		h := Hierarchy{Path: parts[2]}
		if parts[1] != "" {
			h.Controllers = strings.Split(parts[1], ",")
		}
		out = append(out, h)
	}
	return out, sc.Err()
}

// V1 reports whether any controller is on a cgroup v1 hierarchy (a v1 or hybrid host).
func V1(hs []Hierarchy) bool {
	return slices.ContainsFunc(hs, func(h Hierarchy) bool { return len(h.Controllers) > 0 })
}

// Find returns the cgroup parent a container of the calling user gets, as a path the OCI runtime
// resolves against its own cgroup in every hierarchy (relative) or against each hierarchy's root
// (absolute). parent is --cgroup-parent ("" = the delegated DelegatedName(uid)). Every mounted v1
// hierarchy must hold a directory there that the caller may write, as the runtime joins them all; an
// error wrapping ErrNotDelegated says which is missing and how to delegate it.
func Find(parent string, uid int) (string, error) {
	hs, err := Own()
	if err != nil {
		return "", err
	}
	if !V1(hs) {
		return "", fmt.Errorf("%w: this host has cgroup v2 only, which skiff does not drive yet (hint: run on a cgroup v1 or hybrid host with a delegated subtree)", ErrNotDelegated)
	}
	rel := parent
	if rel == "" {
		rel = DelegatedName(uid)
	}
	for _, h := range hs {
		if len(h.Controllers) == 0 {
			continue // the unified hierarchy of a hybrid host: runc does not join it
		}
		base := h.Dir(h.Path)
		if base == "" {
			continue
		}
		dir := filepath.Join(base, rel)
		if filepath.IsAbs(rel) {
			dir = h.Dir(rel)
		}
		if parent != "" {
			// The runtime creates a missing parent: the nearest existing ancestor must be writable.
			for {
				if _, err := os.Stat(dir); err == nil || dir == base || len(dir) <= len(Root) {
					break
				}
				dir = filepath.Dir(dir)
			}
		}
		if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
			if parent != "" {
				return "", fmt.Errorf("--cgroup-parent %s: %s is not a cgroup you may write (%w): %w (hint: give a path below your delegated %s)", parent, dir, err, ErrNotDelegated, DelegatedName(uid))
			}
			return "", fmt.Errorf("%w: %s (%s): %v (hint: an administrator delegates one with `mkdir %s && chown %d %s`, in every v1 hierarchy below the user's cgroup)",
				ErrNotDelegated, dir, strings.Join(h.Controllers, ","), errnoText(err), dir, uid, dir)
		}
	}
	return rel, nil
}

func errnoText(err error) string {
	if errors.Is(err, unix.ENOENT) {
		return "missing"
	}
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return "not writable"
	}
	return err.Error()
}

// ContainerPath is the cgroups path of container id below parent.
func ContainerPath(parent, id string) string { return filepath.Join(parent, "skiff-"+id) }

// ErrUnsupported: the host's kernel lacks what a limit needs.
var ErrUnsupported = errors.New("not supported by this host's kernel")

// CheckSupport reports a limit in r that the host's cgroup v1 controllers cannot apply, as probed in
// the roots of their hierarchies (what Podman warns about and discards, skiff refuses).
func CheckSupport(r Resources) error {
	exists := func(files ...string) bool {
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(Root, f)); err == nil {
				return true
			}
		}
		return false
	}
	if r.BlkioWeight != 0 && !exists("blkio/blkio.weight", "blkio/blkio.bfq.weight") {
		return fmt.Errorf("--blkio-weight: %s/blkio has neither blkio.weight nor blkio.bfq.weight (the kernel's block I/O scheduler has no cgroup weights; the BFQ scheduler provides them): %w", Root, ErrUnsupported)
	}
	if (r.MemorySwap > 0) && !exists("memory/memory.memsw.limit_in_bytes") {
		return fmt.Errorf("--memory-swap: %s/memory has no memory.memsw.limit_in_bytes (swap accounting is off: boot with swapaccount=1): %w", Root, ErrUnsupported)
	}
	return nil
}
