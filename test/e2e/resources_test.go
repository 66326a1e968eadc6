package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15, resource limits: enforced in the cgroup v1 subtree hack/setup-host.sh delegates to the
// test user (skiff-UID below the test bed's own cgroup in every v1 hierarchy). Each limit is read back
// from inside the container's own cgroup, so a flag accepted and ignored fails.

// cgroupValue reads file of the container's own cgroup, as the container sees it.
func cgroupValue(t *testing.T, name, file string) string {
	t.Helper()
	return Must(t, "exec", name, "cat", "/sys/fs/cgroup/"+file)
}

func TestResourcesMemoryOOM(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	// dd's 64 MiB buffer is touched by the read from /dev/zero: more than the 32 MiB limit (no swap here).
	r := Run(t, "run", "--name", name, "--memory", "32m", Busybox, "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
	if r.Code != 137 {
		t.Fatalf("allocating 64 MB under --memory 32m: want exit 137 (killed by the OOM killer)\n%s", r)
	}
	if got := Must(t, "inspect", "--format", "{{.State.OOMKilled}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", name); got != "true 33554432 67108864" {
		t.Fatalf("inspect: got %q, want OOMKilled true, Memory 33554432 and MemorySwap 67108864", got)
	}
	// Under the limit the same process succeeds, and OOMKilled is false.
	name2 := Name(t) + "-fits"
	rmContainer(t, name2)
	Must(t, "run", "--name", name2, "--memory", "32m", Busybox, "dd", "if=/dev/zero", "of=/dev/null", "bs=8M", "count=1")
	if got := Must(t, "inspect", "--format", "{{.State.OOMKilled}}", name2); got != "false" {
		t.Fatalf("OOMKilled of a container that fits: %q", got)
	}
}

func TestResourcesMemoryFlags(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--memory", "64m", "--memory-reservation", "32m", "--memory-swap", "96m", Busybox, "sleep", "300")
	for file, want := range map[string]string{
		"memory/memory.limit_in_bytes":       "67108864",
		"memory/memory.soft_limit_in_bytes":  "33554432",
		"memory/memory.memsw.limit_in_bytes": "100663296",
	} {
		if got := cgroupValue(t, name, file); got != want {
			t.Errorf("%s = %s, want %s", file, got, want)
		}
	}
	Expect(t, 125, []string{"--memory-swap", "larger than the memory limit"}, "run", "--rm", "--memory", "64m", "--memory-swap", "32m", Busybox, "true")
	Expect(t, 125, []string{"--memory", "6MB"}, "run", "--rm", "--memory", "1m", Busybox, "true")
}

func TestResourcesPidsLimit(t *testing.T) {
	// A fork loop of 40 sleeps in a subshell, which dies at the first fork the limit refuses; the
	// shell then counts the container's processes with builtins (a fork would fail too).
	script := `(for i in $(seq 40); do sleep 30 & done) 2>/dev/null; read max </sys/fs/cgroup/pids/pids.max; ` +
		`read cur </sys/fs/cgroup/pids/pids.current; echo $max $cur; kill -9 -1`
	r := Run(t, "run", "--rm", "--pids-limit", "20", Busybox, "sh", "-c", script)
	var max string
	var cur int
	if _, err := fmt.Sscan(r.Stdout, &max, &cur); err != nil || max != "20" || cur > 20 || cur < 15 {
		t.Fatalf("fork loop under --pids-limit 20: want pids.max 20 and the loop stopped at 20 processes\n%s", r)
	}
}

func TestResourcesCPUs(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--cpus", "0.5", "--cpu-shares", "512", Busybox, "sleep", "300")
	if got := cgroupValue(t, name, "cpu/cpu.cfs_quota_us") + "/" + cgroupValue(t, name, "cpu/cpu.cfs_period_us"); got != "50000/100000" {
		t.Fatalf("--cpus 0.5: quota/period %s, want 50000/100000", got)
	}
	if got := cgroupValue(t, name, "cpu/cpu.shares"); got != "512" {
		t.Fatalf("--cpu-shares 512: cpu.shares %s", got)
	}
	Must(t, "update", "--cpus", "1", name)
	if got := cgroupValue(t, name, "cpu/cpu.cfs_quota_us"); got != "100000" {
		t.Fatalf("update --cpus 1: quota %s, want 100000", got)
	}
	if got := Must(t, "inspect", "--format", "{{.HostConfig.NanoCpus}}", name); got != "1000000000" {
		t.Fatalf("inspect NanoCpus after update: %s", got)
	}
	// The update is recorded: a restart keeps it.
	Must(t, "restart", "-t", "0", name)
	if got := cgroupValue(t, name, "cpu/cpu.cfs_quota_us"); got != "100000" {
		t.Fatalf("quota after restart: %s, want 100000", got)
	}
	Must(t, "update", "--memory", "64m", "--pids-limit", "50", name)
	if got := cgroupValue(t, name, "memory/memory.limit_in_bytes") + " " + cgroupValue(t, name, "pids/pids.max"); got != "67108864 50" {
		t.Fatalf("update --memory 64m --pids-limit 50: %s", got)
	}
	Expect(t, 125, []string{"no limit given"}, "update", name)
}

func TestResourcesCPUQuotaAndCpuset(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--cpu-period", "50000", "--cpu-quota", "25000", "--cpuset-cpus", "0", "--cpuset-mems", "0",
		Busybox, "sleep", "300")
	got := []string{cgroupValue(t, name, "cpu/cpu.cfs_period_us"), cgroupValue(t, name, "cpu/cpu.cfs_quota_us"),
		cgroupValue(t, name, "cpuset/cpuset.cpus"), cgroupValue(t, name, "cpuset/cpuset.mems")}
	if strings.Join(got, " ") != "50000 25000 0 0" {
		t.Fatalf("period, quota, cpus, mems: %v, want 50000 25000 0 0", got)
	}
	// --blkio-weight needs a weight file, which only some block I/O schedulers (BFQ) provide: probed
	// here, it is applied where one exists and refused where none does.
	weightFile := ""
	for _, f := range []string{"blkio.bfq.weight", "blkio.weight"} {
		if _, err := os.Stat("/sys/fs/cgroup/blkio/" + f); err == nil {
			weightFile = f
			break
		}
	}
	if weightFile == "" {
		Expect(t, 125, []string{"--blkio-weight", "neither blkio.weight nor blkio.bfq.weight"}, "run", "--rm", "--blkio-weight", "300", Busybox, "true")
	} else {
		w := Must(t, "run", "--rm", "--blkio-weight", "300", Busybox, "cat", "/sys/fs/cgroup/blkio/"+weightFile)
		if !strings.Contains(w, "300") {
			t.Fatalf("--blkio-weight 300: %s holds %q", weightFile, w)
		}
	}
	Expect(t, 125, []string{"--cpus and --cpu-period/--cpu-quota cannot be set together"}, "run", "--rm", "--cpus", "1", "--cpu-quota", "5000", Busybox, "true")
}

func TestResourcesCgroupFlags(t *testing.T) {
	// Each container's cgroup lies below the delegated subtree, below the creator's own cgroup.
	uid := os.Getuid()
	delegated := fmt.Sprintf("/skiff-%d/skiff-", uid)
	out := Must(t, "run", "--rm", Busybox, "cat", "/proc/self/cgroup")
	if !Matches(`(?m)^\d+:memory:.*`+Quote(delegated), out) || !Matches(`(?m)^\d+:pids:`+Quote(delegated), out) {
		t.Fatalf("a container's cgroups are not below the delegated subtree %s:\n%s", delegated, out)
	}
	// --cgroups=disabled: no cgroup of its own, so no limits either.
	if out := Must(t, "run", "--rm", "--cgroups", "disabled", Busybox, "cat", "/proc/self/cgroup"); strings.Contains(out, "/skiff-") {
		t.Fatalf("--cgroups=disabled: the container has a cgroup:\n%s", out)
	}
	Expect(t, 125, []string{"--cgroups=disabled"}, "run", "--rm", "--cgroups", "disabled", "--memory", "32m", Busybox, "true")
	for _, mode := range []string{"enabled", "split", "no-conmon"} { // skiff's monitor never gets a cgroup of its own
		if out := Must(t, "run", "--rm", "--cgroups", mode, "--pids-limit", "25", Busybox, "cat", "/proc/self/cgroup", "/sys/fs/cgroup/pids/pids.max"); !strings.Contains(out, delegated) || !strings.HasSuffix(out, "\n25") {
			t.Fatalf("--cgroups=%s: the container has no cgroup of its own with its limit:\n%s", mode, out)
		}
	}
	Expect(t, 125, []string{"--cgroups", "want enabled, disabled, no-conmon or split"}, "run", "--rm", "--cgroups", "bogus", Busybox, "true")
	// --cgroupns private: the container sees its cgroup as the root.
	if out := Must(t, "run", "--rm", "--cgroupns", "private", Busybox, "cat", "/proc/self/cgroup"); strings.Contains(out, "skiff-") {
		t.Fatalf("--cgroupns private: the container sees the host's cgroup paths:\n%s", out)
	}
	if out := Must(t, "run", "--rm", "--cgroupns", "host", Busybox, "cat", "/proc/self/cgroup"); !strings.Contains(out, delegated) {
		t.Fatalf("--cgroupns host: the container does not see its cgroup path:\n%s", out)
	}
	// --cgroup-parent: a path below the delegated subtree (the runtime creates it).
	parent := fmt.Sprintf("skiff-%d/%s", uid, Name(t))
	out = Must(t, "run", "--rm", "--cgroup-parent", parent, Busybox, "cat", "/proc/self/cgroup")
	if !strings.Contains(out, ":pids:/"+parent+"/skiff-") {
		t.Fatalf("--cgroup-parent %s: not the container's parent:\n%s", parent, out)
	}
	Expect(t, 125, []string{"--cgroup-parent /elsewhere", "not a cgroup you may write"}, "run", "--rm", "--cgroup-parent", "/elsewhere", Busybox, "true")

	// --cgroup-manager: cgroupfs is the delegated subtree; systemd falls back to it with Podman's warning.
	if out := Must(t, "--cgroup-manager", "cgroupfs", "run", "--rm", "--pids-limit", "30", Busybox, "cat", "/sys/fs/cgroup/pids/pids.max"); out != "30" {
		t.Fatalf("--cgroup-manager cgroupfs: pids.max %q", out)
	}
	r := Run(t, "--cgroup-manager", "systemd", "run", "--rm", "--pids-limit", "30", Busybox, "cat", "/sys/fs/cgroup/pids/pids.max")
	if r.Code != 0 || r.Stdout != "30\n" || !strings.Contains(r.Stderr, "Falling back to --cgroup-manager=cgroupfs") {
		t.Fatalf("--cgroup-manager systemd: want the fallback warning and the limit\n%s", r)
	}
	Expect(t, 125, []string{"--cgroup-manager", "want cgroupfs or systemd"}, "--cgroup-manager", "bogus", "run", "--rm", Busybox, "true")
}

func TestResourcesPause(t *testing.T) {
	// The freezer is delegated too: pause and unpause work on a container with a cgroup.
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, Busybox, "sleep", "300")
	Must(t, "pause", name)
	if got := Must(t, "inspect", "--format", "{{.State.Status}}", name); got != "paused" {
		t.Fatalf("after pause: %s", got)
	}
	Must(t, "unpause", name)
	Must(t, "exec", name, "true")
}

func TestDevice(t *testing.T) {
	// /dev/fuse is bound in (a user namespace cannot mknod) and usable: it opens for reading and writing.
	out := Must(t, "run", "--rm", "--device", "/dev/fuse", Busybox, "sh", "-c", "exec 3<>/dev/fuse && ls -l /dev/fuse")
	if !strings.HasPrefix(out, "c") {
		t.Fatalf("--device /dev/fuse: not a character device inside:\n%s", out)
	}
	Must(t, "run", "--rm", "--device", "/dev/fuse:/dev/myfuse:rw", Busybox, "sh", "-c", "exec 3<>/dev/myfuse")
	Expect(t, 1, nil, "run", "--rm", Busybox, "test", "-e", "/dev/fuse")
	Expect(t, 125, []string{"--device", "cannot be enforced rootless"}, "run", "--rm", "--device", "/dev/fuse:r", Busybox, "true")
	Expect(t, 125, []string{"/dev/nonexistent"}, "run", "--rm", "--device", "/dev/nonexistent", Busybox, "true")
	Expect(t, 125, []string{"device cgroup rules are not supported in rootless mode"}, "run", "--rm", "--device-cgroup-rule", "c 10:229 rwm", Busybox, "true")
}
