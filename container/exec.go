package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/runtime/spec"
)

// ExecOptions control Exec.
type ExecOptions struct {
	Cmd []string
	// Env holds NAME=VALUE pairs (ParseEnv) added to the container's environment.
	Env        []string
	User       string // "" = the container's
	WorkingDir string // "" = the container's
	// Interactive attaches stdin; TTY gives the process a terminal (the runtime sets the caller's
	// terminal to raw mode and forwards its size); Detach returns once the process started.
	Interactive, TTY, Detach bool
	// Privileged gives the process every capability of the user's namespace.
	Privileged bool
	Streams    Streams
}

// Exec runs a process in the running container nameOrID through the OCI runtime's exec and returns its
// exit code (0 when detached).
func (e *Engine) Exec(ctx context.Context, nameOrID string, o ExecOptions) (int, error) {
	if len(o.Cmd) == 0 {
		return 0, errors.New("exec: no command given: use skiff exec CONTAINER COMMAND [ARG...]")
	}
	if o.Detach && o.TTY {
		return 0, errors.New("exec: --detach and --tty cannot be combined: a detached process has no terminal to hold (drop -t)")
	}
	c, err := e.Get(nameOrID)
	if err != nil {
		return 0, err
	}
	if c.State.Status != StatusRunning {
		return 0, fmt.Errorf("exec in container %s: can only exec into running containers, it is %s: %w", c.Name(), c.State.Status, ErrNotRunning)
	}
	rt, err := e.runtimeFor(c)
	if err != nil {
		return 0, err
	}
	dir := e.runDir(c.ID)
	b, err := os.ReadFile(filepath.Join(dir, bundleSpec))
	if err != nil {
		return 0, fmt.Errorf("exec in container %s: read its spec: %w", c.Name(), err)
	}
	var s rspec.Spec
	if err := json.Unmarshal(b, &s); err != nil || s.Process == nil || s.Root == nil {
		return 0, fmt.Errorf("exec in container %s: bad spec in %s", c.Name(), dir)
	}
	p := *s.Process
	p.Args = o.Cmd
	p.Terminal = o.TTY
	p.Env = MergeEnv(p.Env, o.Env)
	if o.WorkingDir != "" {
		if !filepath.IsAbs(o.WorkingDir) {
			return 0, fmt.Errorf("exec: --workdir %q: not an absolute path", o.WorkingDir)
		}
		p.Cwd = o.WorkingDir
	}
	if o.User != "" {
		u, err := spec.ResolveUser(s.Root.Path, o.User)
		if err != nil {
			return 0, fmt.Errorf("exec in container %s: %w", c.Name(), err)
		}
		p.User.UID, p.User.GID, p.User.AdditionalGids = u.UID, u.GID, u.AdditionalGIDs
	}
	if o.Privileged {
		ps, err := spec.Generate(spec.Options{RootFS: "/", Args: o.Cmd, Privileged: true})
		if err != nil {
			return 0, err
		}
		p.Capabilities = ps.Process.Capabilities
	}
	if err := oci.CheckCommand(s.Root.Path, p.Args, p.Env); err != nil {
		return 0, fmt.Errorf("exec in container %s: %w", c.Name(), err)
	}
	pb, err := json.Marshal(&p)
	if err != nil {
		return 0, err
	}
	sid, err := newID()
	if err != nil {
		return 0, err
	}
	procPath := filepath.Join(dir, "exec-"+sid[:12]+".json")
	if err := os.WriteFile(procPath, pb, 0o600); err != nil {
		return 0, fmt.Errorf("exec in container %s: %w", c.Name(), err)
	}
	logPath := oci.ExecLogFile(procPath)
	defer os.Remove(procPath)
	defer os.Remove(logPath)

	argv := rt.ExecCommand(c.ID, procPath, "", "", o.Detach)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if o.Interactive || o.TTY {
		cmd.Stdin = o.Streams.In
	}
	if !o.Detach {
		cmd.Stdout, cmd.Stderr = o.Streams.Out, o.Streams.Err
		// The runtime forwards signals to the process; skiff must outlive them to report the code.
		sigs := make(chan os.Signal, 8)
		signal.Notify(sigs, proxiedSignals...)
		defer signal.Stop(sigs)
	}
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, fmt.Errorf("exec in container %s: run %s: %w", c.Name(), rt.Name, err)
	}
	if msg := oci.LogError(logPath); msg != "" {
		return 0, fmt.Errorf("exec: start container %s: %w", c.Name(), oci.InvokeError(msg))
	}
	if ee != nil {
		return ee.ExitCode(), nil
	}
	return 0, nil
}
