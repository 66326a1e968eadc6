package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
)

func stopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop running containers: the stop signal, then SIGKILL after the timeout",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff stop -t 2 web",
		Flags: []cli.Flag{
			&cli.UintFlag{Name: "time", Aliases: []string{"t", "timeout"}, Value: 10, Usage: "`SECONDS` to wait before SIGKILL (default: the container's --stop-timeout)"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "stop every running container"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore containers that do not exist"},
			&cli.StringSliceFlag{Name: "cidfile", Usage: "read the container ID from `FILE`"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "stop only the containers matching `KEY=VALUE` (as ps --filter)"},
		},
		Action: func(c *cli.Context) error {
			names, err := targets(c, c.Bool("all"), c.StringSlice("cidfile"))
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			if names, err = filterTargets(e, names, c.Bool("all"), c.StringSlice("filter"), true); err != nil {
				return err
			}
			var o container.StopOptions
			if c.IsSet("time") {
				t := c.Uint("time")
				o.Timeout = &t
			}
			var errs []error
			for _, name := range names {
				_, err := e.Stop(c.Context, name, o)
				if err != nil {
					if c.Bool("ignore") && errors.Is(err, container.ErrNoSuchContainer) {
						continue
					}
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(c.App.Writer, name)
			}
			return multiError(c, errs)
		},
	}
}

// targets returns the containers a multi-container verb works on: its arguments and the IDs in
// --cidfile files; with --all there must be neither.
// eachContainer applies op to every named container, prints each name it succeeded for (as Podman does)
// and reports the failures together.
func eachContainer(c *cli.Context, names []string, op func(name string) error) error {
	var errs []error
	for _, name := range names {
		if err := op(name); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(c.App.Writer, name)
	}
	return multiError(c, errs)
}

func targets(c *cli.Context, all bool, cidfiles []string) ([]string, error) {
	names := c.Args().Slice()
	for _, f := range cidfiles {
		b, err := os.ReadFile(f)
		if err != nil {
			if c.Bool("ignore") && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read container ID file: %w", err)
		}
		names = append(names, strings.TrimSpace(string(b)))
	}
	switch {
	case all && len(names) > 0:
		return nil, fmt.Errorf("%s: --all and container names cannot be combined", c.Command.Name)
	case !all && len(names) == 0 && len(cidfiles) == 0:
		return nil, fmt.Errorf("%s: no container given: use %s CONTAINER or --all", c.Command.Name, c.Command.HelpName)
	}
	return names, nil
}

// runningIDs lists the running containers, for --all.
func runningIDs(e *container.Engine) ([]string, error) {
	rows, err := view.List(e, view.ListOptions{NoTrunc: true})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids, nil
}
