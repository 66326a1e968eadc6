package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/systemd/unit"
)

// generateCommand is the `skiff generate` noun.
func generateCommand() *cli.Command {
	return &cli.Command{
		Name:        "generate",
		Usage:       "generate structured data for containers and pods",
		Subcommands: []*cli.Command{generateSystemdCommand(), renamed(kubeGenerateCommand(), "kube")}, // kube.go
	}
}

// renamed gives a command another name, for a verb that also lives under another noun.
func renamed(c *cli.Command, name string) *cli.Command {
	c.Name = name
	return c
}

func generateSystemdCommand() *cli.Command {
	return &cli.Command{
		Name:      "systemd",
		Usage:     "generate systemd units that run a container or a pod",
		ArgsUsage: "CONTAINER|POD\n\nEXAMPLE:\n   skiff generate systemd --new --files --name web",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "new", Usage: "create the container when the unit starts and remove it when it stops"},
			&cli.BoolFlag{Name: "name", Aliases: []string{"n"}, Usage: "name units and commands after the container's name, not its ID"},
			&cli.BoolFlag{Name: "files", Aliases: []string{"f"}, Usage: "write the units to files NAME.service in the current directory and print their paths"},
			&cli.StringFlag{Name: "format", Usage: "print the units (or with --files their paths) as `FORMAT` json"},
			&cli.StringFlag{Name: "restart-policy", Value: unit.DefaultRestart, Usage: "systemd restart `POLICY` (no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always); default: the container's --restart, else on-failure"},
			&cli.UintFlag{Name: "restart-sec", Usage: "`SECONDS` systemd waits before restarting (RestartSec=)"},
			&cli.UintFlag{Name: "start-timeout", Usage: "`SECONDS` systemd waits for the start (TimeoutStartSec=)"},
			&cli.UintFlag{Name: "stop-timeout", Aliases: []string{"t"}, Usage: "`SECONDS` to wait before killing the container (default: its --stop-timeout)"},
			&cli.StringSliceFlag{Name: "after", Usage: "add After=`UNIT` (repeatable)"},
			&cli.StringSliceFlag{Name: "wants", Usage: "add Wants=`UNIT` (repeatable)"},
			&cli.StringSliceFlag{Name: "requires", Usage: "add Requires=`UNIT` (repeatable)"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "add Environment=`NAME=VALUE` to the units (repeatable)"},
			&cli.BoolFlag{Name: "no-header", Usage: "leave out the header with skiff's version and the time"},
			&cli.BoolFlag{Name: "template", Usage: "write a template unit container-NAME@.service whose instances run NAME-INSTANCE (needs --new)"},
			&cli.StringFlag{Name: "container-prefix", Value: unit.DefaultContainerPrefix, Usage: "`PREFIX` of container units' names"},
			&cli.StringFlag{Name: "pod-prefix", Value: unit.DefaultPodPrefix, Usage: "`PREFIX` of pod units' names"},
			&cli.StringFlag{Name: "separator", Value: unit.DefaultSeparator, Usage: "`SEPARATOR` between prefix and name"},
		},
		Action: generateSystemd,
	}
}

func generateSystemd(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("generate systemd takes exactly one container or pod, got %d", c.NArg())
	}
	if f := c.String("format"); f != "" && f != "json" {
		return fmt.Errorf("--format %q: want json", f)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("generate systemd: find skiff's own path: %w", err)
	}
	o := unit.Options{
		New:             c.Bool("new"),
		UseName:         c.Bool("name"),
		RestartSec:      c.Uint("restart-sec"),
		StartTimeout:    c.Uint("start-timeout"),
		Wants:           c.StringSlice("wants"),
		After:           c.StringSlice("after"),
		Requires:        c.StringSlice("requires"),
		Env:             c.StringSlice("env"),
		NoHeader:        c.Bool("no-header"),
		Template:        c.Bool("template"),
		ContainerPrefix: c.String("container-prefix"),
		PodPrefix:       c.String("pod-prefix"),
		Separator:       c.String("separator"),
		Executable:      exe,
		Version:         versionString(),
		RunFlags:        flagSpec(runCommand().Flags),
		NoRmTime:        !hasFlag(rmCommand().Flags, "time"),
	}
	if !o.NoHeader {
		o.Time = time.Now()
	}
	if c.IsSet("stop-timeout") {
		t := c.Uint("stop-timeout")
		o.StopTimeout = &t
	}
	if c.IsSet("restart-policy") {
		o.RestartPolicy = c.String("restart-policy")
	}
	if err := o.Validate(); err != nil {
		return err
	}

	e, done, err := openEngine(c)
	if err != nil {
		return err
	}
	defer done()
	name := c.Args().First()
	ctr, err := e.Get(name)
	if errors.Is(err, container.ErrNoSuchContainer) {
		// Not a container: a pod, or nothing.
		if perr := generatePod(c, e, name, o); !isNotFound(perr) {
			return perr
		}
		return fmt.Errorf("%s does not refer to a container or pod: %w", name, err)
	}
	if err != nil {
		return err
	}
	f, err := unit.ForContainer(unit.Container{
		ID:             ctr.ID,
		Name:           ctr.Name(),
		CreateCommand:  ctr.Config.CreateCommand,
		Env:            ctr.Config.Env,
		StopTimeout:    ctr.Config.StopTimeout,
		MonitorPIDFile: e.Paths(ctr).MonitorPIDFile,
		RunRoot:        e.Store().RunRoot(),
	}, o)
	if err != nil {
		return err
	}
	return writeUnits(c, []unit.File{f})
}

// writeUnits prints the units, or with --files writes them to the current directory and prints their
// paths; --format json prints either as a JSON object by unit name.
func writeUnits(c *cli.Context, files []unit.File) error {
	w := c.App.Writer
	paths := map[string]string{}
	if c.Bool("files") {
		cwd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("generate systemd: %w", err)
		}
		for _, f := range files {
			p := filepath.Join(cwd, f.FileName())
			if err := record.WriteFile(p, []byte(f.Content), 0o644); err != nil {
				return fmt.Errorf("generate systemd: write %s: %w", p, err)
			}
			paths[f.Name] = p
		}
	}
	if c.String("format") == "json" {
		b, err := unit.JSON(files, func(f unit.File) string {
			if p, ok := paths[f.Name]; ok {
				return p
			}
			return f.Content
		})
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	for _, f := range files {
		if p, ok := paths[f.Name]; ok {
			fmt.Fprintln(w, p)
		} else {
			fmt.Fprint(w, f.Content)
		}
	}
	return nil
}

// flagSpec describes a command's flags for package unit: which take a value.
func flagSpec(flags []cli.Flag) unit.FlagSpec {
	spec := unit.FlagSpec{}
	for _, f := range flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			spec[n] = !isBool
		}
	}
	return spec
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}
