package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/userns"
)

// Where the user's systemd manager runs, a container's health checks are scheduled as Podman schedules
// them: a transient timer of the manager that runs `skiff healthcheck run ID` every interval after the
// last run ended. Elsewhere (no user bus, no manager) the container's monitor runs them (healthCommand).

// healthTimerWait bounds systemd-run and systemctl.
const healthTimerWait = 5 * time.Second

// managerDir is the runtime directory where the user's systemd manager listens (its private socket or
// the user bus), "" when it runs nowhere: $XDG_RUNTIME_DIR, else /run/user/UID (skiff's own runtime
// directory may be another, see userns.RuntimeDir).
func managerDir() string {
	for _, rd := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/run/user/" + strconv.Itoa(userns.HostUID())} {
		if rd == "" {
			continue
		}
		for _, s := range []string{"systemd/private", "bus"} {
			if st, err := os.Stat(filepath.Join(rd, s)); err == nil && st.Mode()&os.ModeSocket != 0 {
				return rd
			}
		}
	}
	return ""
}

// systemdCommand runs a systemd client for the user's manager in dir.
func systemdCommand(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "bus"))
	return cmd
}

// startHealthTimer starts the transient timer for c's health check and returns the timer's unit name,
// or "" where there is no user manager or it refused (the monitor schedules the checks then).
func (e *Engine) startHealthTimer(ctx context.Context, c *Container) string {
	h := c.Config.Health
	dir := managerDir()
	if !h.Enabled() || h.Interval <= 0 || dir == "" {
		return ""
	}
	exe := e.opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return ""
		}
	}
	r := make([]byte, 4)
	if _, err := rand.Read(r); err != nil {
		return ""
	}
	unit := fmt.Sprintf("skiff-health-%s-%s", shortID(c.ID), hex.EncodeToString(r))
	args := []string{"--user", "--quiet", "--collect", "--unit", unit,
		"--on-unit-inactive=" + strconv.FormatInt(int64(h.Interval/time.Millisecond), 10) + "ms",
		"--timer-property=AccuracySec=1s", "--description", "skiff health check of container " + c.Name()}
	for _, name := range []string{"XDG_RUNTIME_DIR", "PATH", "CONTAINERS_STORAGE_CONF", "CONTAINERS_CONF", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(name); ok {
			args = append(args, "--setenv="+name+"="+v)
		}
	}
	args = append(append(append(args, exe), e.opts.GlobalArgs...), "healthcheck", "run", c.ID)
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimerWait)
	defer cancel()
	if out, err := systemdCommand(tctx, dir, "systemd-run", args...).CombinedOutput(); err != nil {
		logrus.Debugf("container %s: no systemd timer for its health check (%v: %s); its monitor runs it", c.Name(), err, strings.TrimSpace(string(out)))
		return ""
	}
	return unit + ".timer"
}

// kickHealthTimer runs the first check right after the start, as Podman does; the timer runs the next
// ones an interval after each ended.
func (e *Engine) kickHealthTimer(ctx context.Context, c *Container) {
	dir := managerDir()
	if c.State.HealthTimer == "" || dir == "" {
		return
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimerWait)
	defer cancel()
	service := strings.TrimSuffix(c.State.HealthTimer, ".timer") + ".service"
	if out, err := systemdCommand(tctx, dir, "systemctl", "--user", "start", "--no-block", service).CombinedOutput(); err != nil {
		logrus.Debugf("container %s: start %s: %v: %s", c.Name(), service, err, strings.TrimSpace(string(out)))
	}
}

// stopHealthTimer stops the timer of the run that ended (or is being removed).
func (e *Engine) stopHealthTimer(ctx context.Context, c *Container) {
	if c.State.HealthTimer == "" {
		return
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimerWait)
	defer cancel()
	dir := managerDir()
	if dir == "" {
		c.State.HealthTimer = ""
		return
	}
	if out, err := systemdCommand(tctx, dir, "systemctl", "--user", "stop", c.State.HealthTimer).CombinedOutput(); err != nil {
		logrus.Debugf("container %s: stop %s: %v: %s", c.Name(), c.State.HealthTimer, err, strings.TrimSpace(string(out)))
	}
	c.State.HealthTimer = ""
}
