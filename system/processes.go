package system

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/proc"
)

// nsGetParent is NS_GET_PARENT from <linux/nsfs.h>, _IO(0xb7, 0x2): the parent of a user namespace, as a
// new file descriptor; EPERM once the parent lies outside the caller's namespace.
const nsGetParent = 0xb702

// stopNamespaceProcesses kills every process that lives in the user namespace this process runs in, or
// in one nested in it (containers with a user namespace of their own), except this process, its
// ancestors and the pause processes in keep: the monitors, the containers, the network helpers and any
// other skiff command of the user. It returns once they are gone, or with an error naming those that
// survive after timeout.
func stopNamespaceProcesses(keep []int, timeout time.Duration) error {
	var own unix.Stat_t
	if err := unix.Stat("/proc/self/ns/user", &own); err != nil {
		return fmt.Errorf("reset: find the user namespace: %w", err)
	}
	spare := map[int]bool{}
	for pid := os.Getpid(); pid > 1; pid = proc.ParentPID(pid) {
		spare[pid] = true
	}
	for _, pid := range keep {
		spare[pid] = true
	}
	var left []int
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		left = left[:0]
		for _, pid := range listPIDs() {
			if !spare[pid] && inNamespace(pid, own.Ino) {
				_ = unix.Kill(pid, unix.SIGKILL)
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("reset: processes %v of the user's namespace survive SIGKILL", left)
		}
	}
}

// listPIDs returns the PIDs in /proc.
func listPIDs() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	pids := make([]int, 0, len(entries))
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// inNamespace reports whether pid's user namespace is the one with inode ino or nested in it.
func inNamespace(pid int, ino uint64) bool {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false // gone, or not ours to see
	}
	for depth := 0; depth < 33; depth++ { // the kernel nests at most 32 user namespaces
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			break
		}
		if st.Ino == ino {
			unix.Close(fd)
			return true
		}
		parent, err := unix.IoctlRetInt(fd, nsGetParent)
		unix.Close(fd)
		if err != nil {
			return false // EPERM: the parent is outside our namespace, so pid's is not nested in it
		}
		fd = parent
	}
	unix.Close(fd)
	return false
}

// unmountUnder detaches every mount at or below the given directories, deepest first, so that removing
// them cannot fail on a busy mount point (network namespace files, a helper's bind mounts).
func unmountUnder(dirs ...string) error {
	var errs []error
	for _, dir := range dirs {
		mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
		if err != nil {
			return fmt.Errorf("reset: list mounts under %s: %w", dir, err)
		}
		sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].Mountpoint) > len(mounts[j].Mountpoint) })
		for _, m := range mounts {
			if err := unix.Unmount(m.Mountpoint, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("reset: unmount %s: %w", m.Mountpoint, err))
			}
		}
	}
	return errors.Join(errs...)
}
