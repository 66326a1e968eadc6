package container

import (
	"path/filepath"
	"strconv"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/systemd/notify"
)

// What a start does for systemd (package systemd/notify holds the --sdnotify spec): it tells the service
// manager of the starting command about the container, and it writes the monitor's PID where a unit that
// starts an existing container (`generate systemd` without --new, Type=forking) finds it.
//
// The monitor stays in the cgroup of the command that starts the container. Under systemd that is the
// unit's cgroup, as Podman leaves conmon in it when $INVOCATION_ID is set: the monitor must be there to be
// the unit's main process (MAINPID=, PIDFile=), and a container that a unit starts with a plain
// `skiff run -d` belongs to that unit and stops with it. Only the pause process, which holds the namespace
// every container shares, moves to a scope of its own (userns/scope.go).

// monitorPIDFile is the file in a container's run directory that holds its monitor's PID while it runs.
const monitorPIDFile = "monitor.pid"

// monitorPIDFile returns the file that holds the PID of container id's monitor while the container runs:
// the PIDFile= of a unit that starts the existing container.
func (e *Engine) monitorPIDFile(id string) string { return filepath.Join(e.runDir(id), monitorPIDFile) }

// notifyMode resolves the --sdnotify mode of c for a start by this engine.
func (e *Engine) notifyMode(c *Container) string {
	switch c.Config.SdNotify {
	case "":
		if e.opts.NotifySocket != "" {
			return notify.ModeConmon
		}
		return notify.ModeIgnore
	case notify.ModeConmon, notify.ModeContainer:
		return c.Config.SdNotify
	}
	return notify.ModeIgnore
}

// notifySpec passes the service manager's socket into the container for --sdnotify=container (the
// socket's directory bound at notify.ContainerDir, NOTIFY_SOCKET pointing into it) and keeps
// NOTIFY_SOCKET out of its environment otherwise.
func (e *Engine) notifySpec(c *Container, o *spec.Options) {
	o.Env = notify.Unset(o.Env)
	if e.notifyMode(c) != notify.ModeContainer || e.opts.NotifySocket == "" {
		return
	}
	dir, value, err := notify.ContainerSocket(e.opts.NotifySocket)
	if err != nil {
		logrus.Warnf("container %s: --sdnotify=container: %v", c.Name(), err)
		return
	}
	o.Env = append(o.Env, notify.EnvSocket+"="+value)
	if dir != "" {
		o.Mounts = append(append([]rspec.Mount{}, o.Mounts...), rspec.Mount{Destination: notify.ContainerDir, Type: "bind",
			Source: dir, Options: []string{"rbind", "rw", "nosuid", "nodev", "noexec"}})
	}
}

// started finishes a successful start of c: it writes the monitor's PID file and tells the service
// manager, as c's --sdnotify mode says (conmon: MAINPID= the monitor and READY=1; container: MAINPID=).
// Neither failure fails the start, which has happened.
func (e *Engine) started(c *Container) {
	if err := record.WriteFile(e.monitorPIDFile(c.ID), []byte(strconv.Itoa(c.State.MonitorPid)+"\n"), 0o644); err != nil {
		logrus.Warnf("container %s: write the monitor's PID file: %v", c.Name(), err)
	}
	if err := notify.Started(e.opts.NotifySocket, e.notifyMode(c), c.State.MonitorPid); err != nil {
		logrus.Warnf("container %s: --sdnotify=%s: %v", c.Name(), e.notifyMode(c), err)
	}
}
