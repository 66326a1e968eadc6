package e2e

import (
	"strconv"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// cpuPerc reads the CPU % stats --no-stream shows for name.
func cpuPerc(t *testing.T, name string) float64 {
	t.Helper()
	out := Must(t, "stats", "--no-stream", "--format", "{{.CPUPerc}}", name)
	f, err := strconv.ParseFloat(strings.TrimSuffix(out, "%"), 64)
	if err != nil {
		t.Fatalf("stats CPU %%: %q", out)
	}
	return f
}

// Issue 15: --cpus shows in stats, and update --cpus changes it.
func TestStatsCPUs(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--cpus", "0.5", Busybox, "sh", "-c", "while :; do :; done")
	for i := 0; i < 3; i++ {
		if p := cpuPerc(t, name); p > 60 {
			t.Fatalf("a busy loop under --cpus 0.5 used %.2f%% CPU", p)
		}
	}
	Must(t, "update", "--cpus", "1", name)
	// Above half a CPU at least once in five samples: the limit is lifted to one CPU (the machine is
	// shared, so a single sample may find the loop waiting for a core).
	best := 0.0
	for i := 0; i < 5 && best <= 60; i++ {
		best = max(best, cpuPerc(t, name))
	}
	if best <= 60 {
		t.Fatalf("after update --cpus 1 the busy loop still used at most %.2f%% CPU", best)
	}
	if src := Must(t, "stats", "--no-stream", "--format", "{{.Source}} {{.PIDs}}", name); src != "cgroup 2" && src != "cgroup 1" {
		t.Fatalf("stats source and PIDs: %q", src)
	}
}

func TestStatsRows(t *testing.T) {
	a, b := Name(t)+"-a", Name(t)+"-b"
	rmContainer(t, a)
	rmContainer(t, b)
	Must(t, "run", "-d", "--name", a, "--memory", "64m", Busybox, "sleep", "300")
	Must(t, "run", "-d", "--name", b, "--cgroups", "disabled", Busybox, "sleep", "300")
	r := Run(t, "stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}|{{.Source}}")
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	running := strings.Fields(Must(t, "ps", "--format", "{{.Names}}"))
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != len(running) {
		t.Fatalf("stats --no-stream: %d rows for %d running containers\n%s", len(lines), len(running), r)
	}
	rows := map[string]string{}
	for _, l := range lines {
		n, rest, _ := strings.Cut(l, "|")
		rows[n] = rest
	}
	if !strings.HasSuffix(rows[a], "/ 67.11MB|cgroup") {
		t.Fatalf("%s under --memory 64m: %q, want its limit from its cgroup", a, rows[a])
	}
	if !strings.HasSuffix(rows[b], "|processes") || !strings.Contains(r.Stderr, b+" has no cgroup") {
		t.Fatalf("%s without a cgroup: %q, want numbers from its processes, said on stderr\n%s", b, rows[b], r)
	}
	head := strings.SplitN(Must(t, "stats", "--no-stream", a), "\n", 2)[0]
	if !Matches(`^ID\s+NAME\s+CPU %\s+MEM USAGE / LIMIT\s+MEM %\s+NET IO\s+BLOCK IO\s+PIDS\s+CPU TIME\s+AVG CPU %$`, head) {
		t.Fatalf("stats header %q is not Podman's", head)
	}
	Expect(t, 125, []string{"no such container"}, "stats", "--no-stream", "no-such-"+a)
	c := Name(t) + "-c"
	rmContainer(t, c)
	Must(t, "create", "--name", c, Busybox, "true")
	Expect(t, 125, []string{"not running", "--all"}, "stats", "--no-stream", c)
	if out := Must(t, "stats", "--no-stream", "--all", "--format", "{{.Name}} {{.CPUPerc}}", c); out != c+" --" {
		t.Fatalf("stats --all of a created container: %q", out)
	}
}
