package nosub

import (
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15 for a user with no delegated cgroup: a limit is refused in one line naming the reason and
// the fix, exit 125, and nothing is created; without limits containers run as before.
func TestNosubResourcesRefused(t *testing.T) {
	for _, flags := range [][]string{
		{"--memory", "32m"}, {"--memory-reservation", "32m"}, {"--memory", "64m", "--memory-swap", "128m"}, {"--cpus", "0.5"},
		{"--cpu-shares", "512"}, {"--cpu-period", "50000"}, {"--cpu-quota", "20000"}, {"--cpuset-cpus", "0"},
		{"--cpuset-mems", "0"}, {"--pids-limit", "20"}, {"--blkio-weight", "300"}, {"--cgroup-parent", "sub"},
	} {
		name := Name(t)
		args := append(append([]string{"run", "--rm", "--name", name}, flags...), Busybox, "true")
		r := Expect(t, 125, []string{"resource limits cannot be enforced", "hint:"}, args...)
		if lines := strings.Count(strings.TrimSpace(r.Stderr), "\n"); lines > 1 { // the single-mapping warning, then the error
			t.Errorf("%v: want one line of error\n%s", flags, r)
		}
		if r := Run(t, "container", "exists", name); r.Code == 0 {
			t.Errorf("%v: the refused container %s exists", flags, name)
		}
	}
	name := Name(t)
	Must(t, "create", "--name", name, Busybox, "sleep", "1")
	t.Cleanup(func() { Run(t, "rm", "-f", name) })
	Expect(t, 125, []string{"resource limits cannot be enforced"}, "update", "--cpus", "1", name)
	// Without limits, no cgroup is needed.
	if out := Must(t, "run", "--rm", Busybox, "echo", "ok"); out != "ok" {
		t.Fatalf("run without limits: %q", out)
	}
}

// Without a delegated cgroup, systemd as PID 1 is refused: it needs a cgroup of its own.
func TestNosubSystemdRefused(t *testing.T) {
	Expect(t, 125, []string{"--systemd", "needs a cgroup of its own", "hint:"}, "run", "--rm", "--systemd", "always", Busybox, "true")
}
