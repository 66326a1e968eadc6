package container

// The container's network: package netwire wired into create, start, stop, rm and repair.
//
// At create netwire.Resolve turns the typed options into the recorded netwire.Config. At each start
// netwire.Spec writes the names files (/etc/hosts, /etc/resolv.conf, /etc/hostname) into the run
// directory and gives the spec the network namespace: a new one, the host's, another container's, a
// path, or one of user-defined networks. For slirp4netns and pasta the monitor runs `runtime create`
// instead of `runtime run --detach`; between the two, launch calls startNetwork, which has
// netwire.Connect start the helper against /proc/PID/ns/net and then has the monitor run `runtime
// start`. Every clean-up of a run (cleanupRun: stop, rm, the monitor's clean-up after an exit, repair)
// tears the network down.

import (
	"context"
	"errors"
	"fmt"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/trace"
)

// networkConfig resolves the network options at create into cfg.Network (and the hostname a
// --network host container gets).
func (e *Engine) networkConfig(o netwire.Options, imageExposed map[string]struct{}, cfg *Config) error {
	n, hostname, err := netwire.Resolve(o, imageExposed, e.peer, e.store.GraphRoot())
	if err != nil {
		return err
	}
	cfg.Network = n
	if cfg.Hostname == "" {
		cfg.Hostname = hostname
	}
	return nil
}

// peer finds the container a --network container:X names.
func (e *Engine) peer(nameOrID string) (netwire.Peer, error) {
	c, err := e.lookup(nameOrID)
	if err != nil {
		return netwire.Peer{}, err
	}
	e.observe(c)
	running := c.State.Status == StatusRunning || c.State.Status == StatusPaused
	return netwire.Peer{ID: c.ID, Name: c.Name(), Running: running, Pid: c.State.Pid, RunDir: e.runDir(c.ID), Network: c.Config.Network}, nil
}

// runningPeer is peer for a start: the container joined must run.
func (e *Engine) runningPeer(nameOrID string) (netwire.Peer, error) {
	p, err := e.peer(nameOrID)
	if err == nil && !p.Running {
		err = fmt.Errorf("container %s is not running: %w", p.Name, ErrNotRunning)
	}
	return p, err
}

// netTarget is c as netwire sees it.
func (e *Engine) netTarget(c *Container) netwire.Target {
	return netwire.Target{ID: c.ID, Name: c.Name(), Hostname: c.Config.Hostname, Network: c.Config.Network,
		RunDir: e.runDir(c.ID), GraphRoot: e.store.GraphRoot()}
}

// NetworkMode returns the parsed network mode of c (netwire.Config.ParsedMode).
func (c *Container) NetworkMode() slirpnet.Mode { return c.Config.Network.ParsedMode(c.ID) }

// needsNetworkSetup reports whether c's network is connected between `runtime create` and `runtime
// start` (slirp4netns, pasta); other modes use `runtime run --detach`.
func (c *Container) needsNetworkSetup() bool { return c.NetworkMode().HasHelper() }

// networkSpec gives the spec of c's start its network namespace and names files.
func (e *Engine) networkSpec(c *Container, o *spec.Options) error {
	ports, err := netwire.Spec(e.netTarget(c), e.runningPeer, o)
	if ports != "" {
		c.State.Ports = ports
	}
	return err
}

// startNetwork connects the network of c, which the runtime created as proc and has not started yet,
// then has the monitor start it. On error the monitor kills the container and the caller deletes it;
// nothing of the network is left running.
func (e *Engine) startNetwork(ctx context.Context, c *Container, proc *monitor.Process) error {
	if !c.needsNetworkSetup() {
		return nil
	}
	ports, err := netwire.Connect(ctx, e.netTarget(c), proc.Pid)
	if err != nil {
		proc.Abort()
		return err
	}
	c.State.Ports = ports
	trace.Mark("network set-up")
	if err := proc.Start(); err != nil {
		var ce *monitor.CreateError
		if errors.As(err, &ce) {
			return fmt.Errorf("start container %s: %w", c.Name(), oci.InvokeError(ce.Stderr))
		}
		return fmt.Errorf("start container %s: %w", c.Name(), err)
	}
	trace.Mark("monitor: runtime start")
	return nil
}

// teardownNetwork stops the helpers of c's last run and disconnects it (netwire.Teardown).
func (e *Engine) teardownNetwork(c *Container) { netwire.Teardown(e.netTarget(c)) }

// launchCommand is the runtime command the monitor runs: `create` when the network must be connected
// before the container's process starts, `run --detach` otherwise.
func launchCommand(c *Container, rt *oci.Runtime, bundle, pidFile, console string) []string {
	if c.needsNetworkSetup() {
		return rt.CreateCommand(bundle, c.ID, pidFile, console, c.preserveFDs)
	}
	return runCommand(rt, bundle, c.ID, pidFile, console, c.preserveFDs)
}
