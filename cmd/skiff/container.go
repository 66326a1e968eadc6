package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/containers/storage"
	units "github.com/docker/go-units"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/systemd/notify"
	"github.com/skiffproject/skiff/trace"
)

// containerCommand is the `skiff container` noun: every container verb again, under Podman's names.
func containerCommand() *cli.Command {
	return &cli.Command{
		Name:  "container",
		Usage: "manage containers",
		Subcommands: []*cli.Command{
			attachCommand(),
			containerCleanupCommand(),
			commitCommand(),
			cpCommand(),
			diffCommand(),
			createCommand(),
			execCommand(),
			containerExistsCommand(),
			exportCommand(),
			containerInspectCommand(),
			killCommand(),
			psCommandNamed("ls", []string{"list", "ps"}),
			logsCommand(),
			pauseCommand(),
			portCommand(),
			containerPruneCommand(),
			renameCommand(),
			restartCommand(),
			rmCommand(),
			runCommand(),
			startCommand(),
			stopCommand(),
			topCommand(),
			unpauseCommand(),
			updateCommand(),
			statsCommand(),
			waitCommand(),
		},
	}
}

// openEngine enters the user's namespace, opens the store and returns the container engine; done
// closes the store.
func openEngine(c *cli.Context) (*container.Engine, func(), error) {
	store, err := openStore(c)
	if err != nil {
		return nil, nil, err
	}
	var global []string
	for _, name := range []string{"root", "runroot", "storage-driver"} {
		if v := c.String(name); v != "" {
			global = append(global, "--"+name, v)
		}
	}
	for _, v := range c.StringSlice("storage-opt") {
		global = append(global, "--storage-opt", v)
	}
	// The service manager's socket is the start path's to use (--sdnotify); no process skiff starts may
	// see it, or the OCI runtime would act on it.
	socket := notify.Socket()
	os.Unsetenv(notify.EnvSocket)
	e := container.New(store, container.EngineOptions{Runtime: c.String("runtime"), GlobalArgs: global, NotifySocket: socket})
	trace.Mark("open storage")
	return e, func() { _, _ = store.Shutdown(false); trace.Mark("close storage") }, nil
}

// containerCleanupCommand is what a container's monitor runs after the container exits. It exits with the
// container's exit code: under systemd it is the last image of the unit's main process.
func containerCleanupCommand() *cli.Command {
	return &cli.Command{
		Name:      "cleanup",
		Usage:     "clean up after a container's run: unmount it, delete the runtime's state, and remove it if it was run with --rm",
		ArgsUsage: "CONTAINER",
		Hidden:    true,
		Flags:     []cli.Flag{&cli.StringFlag{Name: "token", Usage: "clean up only the run identified by `TOKEN`"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("container cleanup takes exactly one container")
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			var podID string
			if ctr, err := e.Get(c.Args().First()); err == nil && ctr.Config.Pod != nil && !ctr.Config.Pod.Infra {
				podID = ctr.Config.Pod.ID
			}
			code, err := e.Cleanup(c.Context, c.Args().First(), c.String("token"))
			if err != nil {
				return err
			}
			if podID != "" {
				// --exit-policy stop: the pod stops with its last container (pods.ApplyExitPolicy).
				if err := pods.New(e).ApplyExitPolicy(c.Context, podID); err != nil {
					logrus.Warn(err)
				}
			}
			return withCode(code, nil)
		},
	}
}

func containerExistsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "exit 0 if the container exists, 1 if not",
		ArgsUsage: "CONTAINER\n\nEXAMPLE:\n   skiff container exists web",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("container exists takes exactly one container")
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			if _, err := e.Get(c.Args().First()); err != nil {
				if errors.Is(err, container.ErrNoSuchContainer) {
					return withCode(1, nil)
				}
				return err
			}
			return nil
		},
	}
}

// containerInspectCommand is `skiff container inspect`.
func containerInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print the low-level details of containers as JSON or through a template",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff container inspect --format '{{.State.Status}}' web",
		Flags:     []cli.Flag{inspectFormatFlag()},
		Action:    func(c *cli.Context) error { return runInspect(c, "container") },
	}
}

// containerInspector is inspect's finder for containers.
func containerInspector() inspector {
	return inspector{kind: "container", find: func(c *cli.Context, store storage.Store, name string) (any, error) {
		return container.New(store, container.EngineOptions{}).Inspect(name)
	}}
}

func containerPruneCommand() *cli.Command {
	return &cli.Command{
		Name:      "prune",
		Usage:     "remove every container that is not running",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff container prune -f",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("container prune takes no arguments, got %q", c.Args().First())
			}
			if !c.Bool("force") {
				ok, err := confirm(c, "WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			reports, err := e.Prune(c.Context)
			if err != nil {
				return err
			}
			var errs []error
			var total int64
			for _, r := range reports {
				if r.Err != nil {
					errs = append(errs, r.Err)
					continue
				}
				total += r.Size
				fmt.Fprintln(c.App.Writer, r.ID)
			}
			if total > 0 {
				fmt.Fprintf(c.App.Writer, "Total reclaimed space: %s\n", units.HumanSize(float64(total)))
			}
			return multiError(c, errs)
		},
	}
}
