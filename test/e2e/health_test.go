package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

type healthState struct {
	StartedAt time.Time
	Health    struct {
		Status        string
		FailingStreak int
		Log           []struct {
			Start    time.Time
			ExitCode int
			Output   string
		}
	}
}

func inspectHealth(t *testing.T, name string) healthState {
	t.Helper()
	var s healthState
	if err := json.Unmarshal([]byte(Must(t, "inspect", "--format", "{{json .State}}", name)), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func psStatus(t *testing.T, name string) string {
	t.Helper()
	return Must(t, "ps", "--filter", "name="+name, "--format", "{{.Status}}")
}

// Issue 15, health checks: scheduled every interval by the container's monitor, counted as Podman
// counts them, shown in ps and inspect.
func TestHealthcheckScheduled(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	id := Must(t, "run", "-d", "--name", name, "--health-cmd", "test -e /tmp/ok", "--health-interval", "2s", "--health-retries", "3", Busybox, "sleep", "300")
	// The user's systemd manager runs (hack/test-e2e.sh): a transient timer schedules the checks, as Podman's.
	timers, err := exec.Command("systemctl", "--user", "list-timers", "--all", "--no-pager").CombinedOutput()
	if err != nil || !strings.Contains(string(timers), "skiff-health-"+id[:12]) {
		t.Fatalf("no systemd timer skiff-health-%s for the health check (%v):\n%s", id[:12], err, timers)
	}
	deadline := time.Now().Add(40 * time.Second)
	var s healthState
	for time.Now().Before(deadline) {
		if s = inspectHealth(t, name); s.Health.Status == "unhealthy" {
			break
		}
		if len(s.Health.Log) > 0 && len(s.Health.Log) < 3 && s.Health.Status != "starting" {
			t.Fatalf("after %d failures of 3: %+v", len(s.Health.Log), s.Health)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s.Health.Status != "unhealthy" || s.Health.FailingStreak != 3 || len(s.Health.Log) != 3 {
		t.Fatalf("a failing check every 2s, 3 retries: health %+v", s.Health)
	}
	// Podman's timings: the first run right after the start, each next one an interval after the last ended.
	if d := s.Health.Log[0].Start.Sub(s.StartedAt); d > 1500*time.Millisecond {
		t.Fatalf("the first health check ran %v after the start, want it right away", d)
	}
	for i := 1; i < 3; i++ {
		if d := s.Health.Log[i].Start.Sub(s.Health.Log[i-1].Start); d < 1900*time.Millisecond {
			t.Fatalf("runs %d and %d were %v apart, want at least the 2s interval", i-1, i, d)
		}
	}
	if st := psStatus(t, name); !strings.HasSuffix(st, "(unhealthy)") {
		t.Fatalf("ps of an unhealthy container: %q", st)
	}
	Must(t, "exec", name, "touch", "/tmp/ok")
	for time.Now().Before(deadline.Add(10 * time.Second)) {
		if s = inspectHealth(t, name); s.Health.Status == "healthy" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s.Health.Status != "healthy" || s.Health.FailingStreak != 0 {
		t.Fatalf("after the check passes: %+v", s.Health)
	}
	if st := psStatus(t, name); !strings.HasSuffix(st, "(healthy)") {
		t.Fatalf("ps of a healthy container: %q", st)
	}
	// Stopping the container ends its checks: no run is recorded after the stop.
	Must(t, "stop", "-t", "0", name)
	n := len(inspectHealth(t, name).Health.Log)
	time.Sleep(3 * time.Second)
	if m := len(inspectHealth(t, name).Health.Log); m != n {
		t.Fatalf("health checks went on after the stop: %d results, then %d", n, m)
	}
	if timers, _ := exec.Command("systemctl", "--user", "list-timers", "--all", "--no-pager").CombinedOutput(); strings.Contains(string(timers), "skiff-health-"+id[:12]) {
		t.Fatalf("the health check's timer outlived the stop:\n%s", timers)
	}
}

func TestHealthcheckRun(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	// No scheduled runs: only healthcheck run counts.
	Must(t, "run", "-d", "--name", name, "--health-cmd", `["/bin/sh", "-c", "test -e /tmp/ok"]`, "--health-interval", "disable",
		"--health-retries", "2", Busybox, "sleep", "300")
	// Podman's healthcheck run: a failed run prints unhealthy and exits 1; the container's status
	// turns unhealthy only after --health-retries failures.
	r := Run(t, "healthcheck", "run", name)
	if r.Code != 1 || strings.TrimSpace(r.Stdout) != "unhealthy" {
		t.Fatalf("first failure: want exit 1 and unhealthy\n%s", r)
	}
	if s := inspectHealth(t, name); s.Health.Status != "starting" || s.Health.FailingStreak != 1 {
		t.Fatalf("after the first failure of 2 retries: %+v, want starting", s.Health)
	}
	r = Run(t, "healthcheck", "run", name)
	if r.Code != 1 || strings.TrimSpace(r.Stdout) != "unhealthy" {
		t.Fatalf("second failure: want exit 1 and unhealthy\n%s", r)
	}
	if s := inspectHealth(t, name); s.Health.Status != "unhealthy" {
		t.Fatalf("after 2 failures of 2 retries: %+v, want unhealthy", s.Health)
	}
	Must(t, "exec", name, "touch", "/tmp/ok")
	if r := Run(t, "healthcheck", "run", name); r.Code != 0 || r.Stdout != "" {
		t.Fatalf("a passing check: want exit 0 and no output\n%s", r)
	}
	time.Sleep(1500 * time.Millisecond)
	if s := inspectHealth(t, name); len(s.Health.Log) != 3 {
		t.Fatalf("--health-interval disable: %d runs recorded, want the 3 of healthcheck run", len(s.Health.Log))
	}

	// --health-timeout: a check that takes longer fails.
	slow := Name(t) + "-slow"
	rmContainer(t, slow)
	Must(t, "run", "-d", "--name", slow, "--health-cmd", "sleep 10", "--health-timeout", "1s", "--health-interval", "disable", Busybox, "sleep", "300")
	start := time.Now()
	if r := Run(t, "healthcheck", "run", slow); r.Code != 1 || time.Since(start) > 8*time.Second {
		t.Fatalf("a check over its timeout: want exit 1 within the timeout\n%s", r)
	}
	if s := inspectHealth(t, slow); len(s.Health.Log) != 1 || !strings.Contains(s.Health.Log[0].Output, "exceeded timeout") {
		t.Fatalf("timeout not recorded: %+v", s.Health)
	}

	// --health-start-period: failures in it do not count.
	sp := Name(t) + "-sp"
	rmContainer(t, sp)
	Must(t, "run", "-d", "--name", sp, "--health-cmd", "false", "--health-start-period", "60s", "--health-retries", "1", "--health-interval", "disable", Busybox, "sleep", "300")
	Run(t, "healthcheck", "run", sp)
	if s := inspectHealth(t, sp); s.Health.Status != "starting" || s.Health.FailingStreak != 0 {
		t.Fatalf("a failure in the start period counted: %+v", s.Health)
	}

	// Errors are 125, as in Podman.
	plain := Name(t) + "-plain"
	rmContainer(t, plain)
	Must(t, "run", "-d", "--name", plain, Busybox, "sleep", "300")
	Expect(t, 125, []string{"has no defined healthcheck"}, "healthcheck", "run", plain)
	if out := Must(t, "inspect", "--format", "{{json .State}}", plain); strings.Contains(out, `"Health"`) {
		t.Fatalf("inspect of a container without a check shows Health: %s", out)
	}
	stopped := Name(t) + "-stopped"
	rmContainer(t, stopped)
	Must(t, "create", "--name", stopped, "--health-cmd", "true", Busybox, "sleep", "1")
	Expect(t, 125, []string{"is not running"}, "healthcheck", "run", stopped)
	Expect(t, 125, []string{"unable to look up no-such-" + stopped + " to perform a health check", "no such container"}, "healthcheck", "run", "no-such-"+stopped)
	Expect(t, 125, []string{"--no-healthcheck and --health-cmd"}, "create", "--no-healthcheck", "--health-cmd", "true", Busybox)
	Expect(t, 125, []string{"need a health check"}, "create", "--health-interval", "5s", Busybox)
	nohc := Name(t) + "-nohc"
	rmContainer(t, nohc)
	Must(t, "create", "--name", nohc, "--no-healthcheck", Busybox, "true")
	Expect(t, 125, []string{"has no defined healthcheck"}, "healthcheck", "run", nohc)
}
