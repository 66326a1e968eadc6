package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/trace"
	"github.com/skiffproject/skiff/userns"
)

// initPaths are where catatonit, the --init process, may be installed.
var initPaths = []string{"/usr/bin/catatonit", "/usr/libexec/catatonit/catatonit", "/usr/libexec/podman/catatonit"}

// launch starts a new run of c, whose lock the caller holds and which repair has seen: it mounts the
// rootfs, writes the bundle and starts the monitor, which runs `runtime run --detach`. With attach it
// returns a connection to the monitor made before the container started (so no output is missed) that
// holds the clean-up claim. On error the container is left created, with nothing mounted.
func (e *Engine) launch(ctx context.Context, c *Container, attach bool) (conn *monitor.Conn, err error) {
	switch {
	case c.Incomplete:
		return nil, fmt.Errorf("container %s is incomplete (its create was interrupted): remove it with skiff rm", shortID(c.ID))
	case c.State.Status == StatusRunning || c.State.Status == StatusPaused || c.State.Status == StatusStopping:
		return nil, fmt.Errorf("start container %s: %w", c.Name(), ErrRunning)
	}
	if err := e.startPodInfra(ctx, c); err != nil {
		return nil, err
	}
	if err := e.startRequired(ctx, c); err != nil {
		return nil, err
	}
	rt, err := e.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	if err := e.beginRun(ctx, c, rt); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			return
		}
		e.stopHealthTimer(ctx, c)
		if cerr := e.cleanupRun(context.WithoutCancel(ctx), c); cerr != nil {
			//nolint:errorlint // the start's failure keeps its class; the clean-up's error is only told
			err = fmt.Errorf("%w (and while cleaning up: %v)", err, cerr)
		}
		c.State.Status, c.State.Error, c.State.Token = StatusCreated, err.Error(), ""
		_ = e.save(c)
	}()
	trace.Mark("prepare the start: runtime, record")
	b, err := e.writeBundle(ctx, c)
	if err != nil {
		return nil, err
	}
	if c.State.CgroupPath != "" {
		if rt, err = e.runtimeFor(c); err != nil { // one that manages the cgroup
			return nil, err
		}
	}
	proc, conn, err := e.startMonitor(ctx, c, rt, b, attach)
	if err != nil {
		return nil, err
	}
	logrus.Debugf("container %s: runtime started it as PID %d, monitor PID %d", shortID(c.ID), proc.Pid, proc.MonitorPid)
	e.event(c, "init")
	trace.Mark("monitor: runtime create (or run)")
	if err := e.startNetwork(ctx, c, &proc); err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, err
	}
	c.State.Pid, c.State.PidStart = proc.Pid, startTime(proc.Pid)
	c.State.MonitorPid, c.State.MonStart = proc.MonitorPid, startTime(proc.MonitorPid)
	c.State.BootID = bootID()
	c.State.Status, c.State.StartedAt = StatusRunning, time.Now()
	if err := e.save(c); err != nil {
		if conn != nil {
			conn.Close()
		}
		_ = signalProcess(proc.Pid, c.State.PidStart, 9)
		return nil, err
	}
	e.started(c)
	writePidFiles(c)
	e.kickHealthTimer(ctx, c)
	e.event(c, "start")
	trace.Mark("record the running container")
	return conn, nil
}

// beginRun records the start of a new run of c: a fresh token and state (the restart count kept for
// a restart by policy), after deleting what the runtime still keeps of the last run.
func (e *Engine) beginRun(ctx context.Context, c *Container, rt *oci.Runtime) error {
	token, err := newID()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(rt.StateRoot, c.ID)); err == nil {
		// The runtime still knows an earlier run (its monitor may be deleting it right now).
		if err := rt.Delete(ctx, c.ID, true); err != nil && !errors.Is(err, oci.ErrNotExist) {
			return fmt.Errorf("start container %s: remove the runtime's state of the last run: %w", c.Name(), err)
		}
	}
	// RestartCount counts the restart policy's starts since the user last started the container (Docker's).
	restarts := 0
	if c.policyRestart {
		restarts = c.State.RestartCount + 1
	}
	c.State = State{Status: StatusCreated, Token: token[:16], Mounted: true, RuntimeCreated: true, RestartCount: restarts}
	_ = os.Remove(e.exitPath(c.ID))
	return e.save(c)
}

// bundle is what writeBundle prepared for the monitor.
type bundle struct {
	dir, pidPath string
	// healthCmd and healthInterval are the monitor's health checks (none when a systemd timer runs them).
	healthCmd      []string
	healthInterval time.Duration
}

// writeBundle mounts c's root file system, generates its spec and writes it into the run directory.
// It records the cgroup path, which picks the runtime, before that runtime creates anything: a repair
// after this command is killed must delete the container where it was created.
func (e *Engine) writeBundle(ctx context.Context, c *Container) (bundle, error) {
	rootfs, err := e.store.Mount(c.ID, "")
	if err != nil {
		return bundle{}, fmt.Errorf("mount container %s: %w", c.Name(), err)
	}
	trace.Mark("mount the rootfs")
	dir, err := e.store.ContainerRunDirectory(c.ID)
	if err != nil {
		return bundle{}, fmt.Errorf("run directory of container %s: %w", c.Name(), err)
	}
	s, err := e.generateSpec(c, rootfs)
	if err != nil {
		return bundle{}, err
	}
	c.State.CgroupPath = s.Linux.CgroupsPath
	if c.State.CgroupPath != "" {
		if err := e.save(c); err != nil {
			return bundle{}, err
		}
	}
	_ = os.Remove(e.oomPath(c.ID))
	e.resetHealth(c)
	b := bundle{dir: dir, pidPath: filepath.Join(dir, pidFile)}
	b.healthCmd, b.healthInterval = e.healthCommand(c)
	if t := e.startHealthTimer(ctx, c); t != "" { // healthtimer.go: the user's systemd runs the checks
		c.State.HealthTimer = t
		b.healthCmd, b.healthInterval = nil, 0
	}
	if err := oci.CheckCommand(rootfs, c.Config.argv(), s.Process.Env); err != nil {
		return bundle{}, fmt.Errorf("start container %s: %w", c.Name(), err)
	}
	js, err := json.Marshal(s)
	if err != nil {
		return bundle{}, fmt.Errorf("encode spec of container %s: %w", c.Name(), err)
	}
	if err := record.WriteFile(filepath.Join(dir, bundleSpec), js, 0o600); err != nil {
		return bundle{}, fmt.Errorf("write spec of container %s: %w", c.Name(), err)
	}
	_ = os.Remove(b.pidPath)
	trace.Mark("generate and write the spec")
	return b, nil
}

// startMonitor starts c's monitor, which has the runtime create (or run) the container from b.
func (e *Engine) startMonitor(ctx context.Context, c *Container, rt *oci.Runtime, b bundle, attach bool) (monitor.Process, *monitor.Conn, error) {
	console := ""
	if c.Config.Terminal {
		console = monitor.ConsoleSocket
	}
	logPath := ""
	if c.Config.LogDriver == monitor.LogK8sFile {
		logPath = e.logPath(c)
	}
	oomFile := ""
	if c.State.CgroupPath != "" {
		oomFile = e.oomPath(c.ID)
	}
	proc, conn, err := monitor.Start(monitor.Config{
		ID: c.ID, Name: c.Name(), Dir: b.dir, PIDFile: b.pidPath,
		ExitFile: e.exitPath(c.ID), Token: c.State.Token, OOMFile: oomFile,
		LogDriver: c.Config.LogDriver, LogPath: logPath, LogMaxSize: c.Config.LogOpts.MaxSize, LogTag: c.Config.LogOpts.Tag,
		Terminal: c.Config.Terminal, Stdin: c.Config.Interactive,
		Runtime:       launchCommand(c, rt, b.dir, b.pidPath, console),
		StartCommand:  startCommand(c, rt),
		HideCgroup2:   rt.HidesCgroup2(),
		DeleteCommand: deleteCommand(rt, c.ID),
		ExitCommand:   e.exitCommand(c),
		HealthCommand: b.healthCmd, HealthInterval: b.healthInterval, Timeout: c.Config.Process.Timeout,
		PreserveFDs: c.preserveFDs,
		Attach:      attach,
		StopOnTerm:  batchStopGrace(c), // batch.go
	})
	if err != nil {
		var ce *monitor.CreateError
		if errors.As(err, &ce) {
			msg := oci.LogError(oci.CreateLogFile(b.dir))
			if msg == "" {
				msg = ce.Stderr
			}
			return proc, nil, fmt.Errorf("start container %s: %w", c.Name(), oci.InvokeError(msg))
		}
		return proc, nil, err
	}
	return proc, conn, nil
}

// runCommand is the runtime's `run --detach`: CreateCommand's arguments, created and started in one
// process (one runtime start-up less than create followed by start).
func runCommand(rt *oci.Runtime, bundle, id, pidFile, console string, preserveFDs int) []string {
	argv := rt.CreateCommand(bundle, id, pidFile, console, preserveFDs)
	for i, a := range argv {
		if a == "create" {
			return append(append(append([]string{}, argv[:i]...), "run", "--detach"), argv[i+1:]...)
		}
	}
	return argv
}

// startCommand is the runtime's `start ID` when launchCommand only creates the container: the monitor
// runs it once the network is connected (see monitor.Config.StartCommand).
func startCommand(c *Container, rt *oci.Runtime) []string {
	if !c.needsNetworkSetup() {
		return nil
	}
	return append(append([]string{rt.Path}, rt.GlobalArgs()...), "start", c.ID)
}

// deleteCommand is the runtime's `delete --force ID`, which the monitor runs after the exit.
func deleteCommand(rt *oci.Runtime, id string) []string {
	return append(append([]string{rt.Path}, rt.GlobalArgs()...), "delete", "--force", id)
}

// generateSpec builds the OCI spec of c over rootfs.
func (e *Engine) generateSpec(c *Container, rootfs string) (*rspec.Spec, error) {
	o := spec.Options{
		RootFS:        rootfs,
		Args:          c.Config.argv(),
		Env:           c.Config.Env,
		Cwd:           c.Config.WorkingDir,
		Terminal:      c.Config.Terminal,
		Hostname:      c.Config.Hostname,
		ReadOnly:      c.Config.ReadOnly,
		CapAdd:        c.Config.CapAdd,
		CapDrop:       c.Config.CapDrop,
		Privileged:    c.Config.Privileged,
		SecurityOpts:  c.Config.SecurityOpts,
		Ulimits:       c.Config.Ulimits,
		SingleMapping: singleMapping(),
		Annotations:   c.Config.Annotations,
		CDIDevices:    c.Config.CDIDevices,
	}
	if err := e.networkSpec(c, &o); err != nil {
		return nil, err
	}
	if err := e.startMounts(c, rootfs, &o); err != nil {
		return nil, err
	}
	if err := e.podSpec(c, rootfs, &o); err != nil {
		return nil, err
	}
	if err := cgroupSpec(c, &o); err != nil {
		return nil, err
	}
	if err := e.processSpec(c, rootfs, &o); err != nil {
		return nil, err
	}
	if err := e.secretSpec(c, &o); err != nil {
		return nil, err
	}
	e.notifySpec(c, &o)
	if c.Config.Init {
		if o.Init = findInit(); o.Init == "" {
			return nil, fmt.Errorf("--init: catatonit not found in %s (hint: install the catatonit package)", strings.Join(initPaths, ", "))
		}
	}
	s, err := spec.Generate(o)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", c.Name(), err)
	}
	return s, nil
}

func findInit() string {
	for _, p := range initPaths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// singleMapping reports whether the user's namespace maps only the user's own ID.
func singleMapping() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	maps, err := userns.ParseProcMap(string(b))
	return err == nil && len(maps) == 1 && maps[0].Size == 1
}

// exitCommand is what the monitor runs after the container exits: skiff's clean-up of this run.
func (e *Engine) exitCommand(c *Container) []string {
	exe := e.opts.Executable
	if exe == "" {
		exe = "/proc/self/exe" // in the monitor, skiff itself
	}
	args := append([]string{exe}, e.opts.GlobalArgs...)
	return append(args, "container", "cleanup", "--token", c.State.Token, c.ID)
}
