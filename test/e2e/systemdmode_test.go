package e2e

import (
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// systemdImage has systemd as PID 1 (/sbin/init); hack/setup-host.sh builds it.
const systemdImage = Registry + "/systemd:bookworm"

// Issue 15: --systemd runs systemd as PID 1 (tmpfs on /run, /run/lock, /tmp and /var/log/journal, its
// own writable cgroup seen through a cgroup namespace, SIGRTMIN+3 to stop it).
func TestSystemdMode(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--pull", "newer", "--systemd", "always", systemdImage)
	state := ""
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		r := Run(t, "exec", name, "systemctl", "is-system-running")
		if state = strings.TrimSpace(r.Stdout); state == "running" || state == "degraded" {
			break
		}
	}
	if state != "running" && state != "degraded" {
		t.Fatalf("systemd did not boot: is-system-running says %q\n%s", state, Run(t, "logs", name))
	}
	if got := Must(t, "exec", name, "systemctl", "is-active", "systemd-journald.service"); got != "active" {
		t.Fatalf("systemd-journald.service is %q, want a running unit", got)
	}
	// The image's HEALTHCHECK (journald active, every 2s) is honoured.
	health := ""
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && health != "healthy"; time.Sleep(300 * time.Millisecond) {
		health = Must(t, "inspect", "--format", "{{.State.Health.Status}}", name)
	}
	if health != "healthy" {
		t.Fatalf("the image's HEALTHCHECK: health %q, want healthy", health)
	}
	if st := Must(t, "ps", "--filter", "name="+name, "--format", "{{.Status}}"); !strings.HasSuffix(st, "(healthy)") {
		t.Fatalf("ps: %q", st)
	}
	mounts := Must(t, "exec", name, "cat", "/proc/mounts")
	for _, dir := range []string{"/run", "/run/lock", "/tmp", "/var/log/journal"} {
		if !Matches(`(?m)^tmpfs `+Quote(dir)+` tmpfs `, mounts) {
			t.Fatalf("--systemd: no tmpfs on %s:\n%s", dir, mounts)
		}
	}
	if got := Must(t, "inspect", "--format", "{{.Config.StopSignal}} {{.HostConfig.CgroupnsMode}}", name); got != "37 private" {
		// Podman 4 shows the stop signal as a number: SIGRTMIN+3 is 37.
		t.Fatalf("inspect: %q, want SIGRTMIN+3 (37) and a private cgroup namespace", got)
	}
	start := time.Now()
	Must(t, "stop", "-t", "20", name)
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("stop took %v: systemd did not shut down on SIGRTMIN+3 within the timeout", d)
	}
	if got := Must(t, "inspect", "--format", "{{.State.ExitCode}}", name); got == "137" {
		t.Fatal("stop had to kill systemd (exit 137)")
	}

	// The default, true, turns systemd mode on for an init command; false leaves it off, and then
	// systemd cannot start.
	name2 := Name(t) + "-auto"
	rmContainer(t, name2)
	Must(t, "create", "--name", name2, "--no-healthcheck", systemdImage)
	if got := Must(t, "inspect", "--format", "{{.Config.StopSignal}}", name2); got != "37" { // SIGRTMIN+3
		t.Fatalf("--systemd true with /sbin/init: stop signal %q", got)
	}
	if got := Must(t, "inspect", "--format", "{{json .State}}", name2); strings.Contains(got, `"Health"`) {
		t.Fatalf("--no-healthcheck: the image's HEALTHCHECK is still there: %s", got)
	}
	Expect(t, 125, []string{"has no defined healthcheck"}, "healthcheck", "run", name2)
	if r := Run(t, "run", "--rm", "--systemd", "false", systemdImage); r.Code == 0 {
		t.Fatalf("--systemd false: systemd as PID 1 without its set-up should fail\n%s", r)
	}
	// always on another command: the same set-up.
	if out := Must(t, "run", "--rm", "--systemd", "always", Busybox, "grep", " /run/lock ", "/proc/mounts"); !strings.HasPrefix(out, "tmpfs ") {
		t.Fatalf("--systemd always: /run/lock is %q", out)
	}
	if out := Run(t, "run", "--rm", Busybox, "grep", " /run/lock ", "/proc/mounts"); out.Stdout != "" {
		t.Fatalf("without --systemd, a tmpfs on /run/lock: %q", out.Stdout)
	}
	Expect(t, 125, []string{"--systemd", "want true, false or always"}, "run", "--rm", "--systemd", "bogus", Busybox, "true")
	Expect(t, 125, []string{"--systemd", "needs a cgroup"}, "run", "--rm", "--systemd", "always", "--cgroups", "disabled", Busybox, "true")
}
