package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
)

func rmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "remove containers",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff rm -f web",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop a running container first (SIGKILL)"},
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "also remove the container's anonymous volumes"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every container"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore containers that do not exist"},
			&cli.StringSliceFlag{Name: "cidfile", Usage: "read the container ID from `FILE`"},
			&cli.BoolFlag{Name: "depend", Usage: "also remove the containers that depend on the named ones (their pod's members, those on their network), first"},
			&cli.StringSliceFlag{Name: "filter", Usage: "remove the containers matching `KEY=VALUE` (as ps --filter), or those of the names given that match"},
			&cli.UintFlag{Name: "time", Aliases: []string{"t"}, Value: 10, Usage: "with --force, `SECONDS` to wait after the stop signal before SIGKILL"},
		},
		Action: func(c *cli.Context) error {
			filters := c.StringSlice("filter")
			names, err := targets(c, c.Bool("all") || (len(filters) > 0 && c.NArg() == 0), c.StringSlice("cidfile"))
			if err != nil {
				return err
			}
			var stopTime *uint
			if c.IsSet("time") {
				if !c.Bool("force") {
					return errors.New("rm: --time needs --force (it is how long to wait for a running container to stop)")
				}
				t := c.Uint("time")
				stopTime = &t
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			if c.Bool("all") || len(filters) > 0 {
				rows, err := view.List(e, view.ListOptions{All: true, NoTrunc: true, Filters: filters})
				if err != nil {
					return err
				}
				if len(names) == 0 {
					for _, r := range rows {
						names = append(names, r.ID)
					}
				} else if names, err = filterTargets(e, names, false, filters, false); err != nil {
					return err
				}
			}
			if c.Bool("depend") {
				var ordered []string
				seen := map[string]bool{}
				for _, name := range names {
					ids, err := view.RemovalOrder(e, name)
					if err != nil {
						ordered = append(ordered, name) // reported (or ignored) by the removal below
						continue
					}
					for _, id := range ids {
						if !seen[id] {
							seen[id] = true
							ordered = append(ordered, id)
						}
					}
				}
				names = ordered
			}
			o := container.RemoveOptions{Force: c.Bool("force"), Volumes: c.Bool("volumes"), StopTimeout: stopTime}
			var errs []error
			code := exitEngine
			for _, name := range names {
				if err := e.Remove(c.Context, name, o); err != nil {
					if errors.Is(err, container.ErrNoSuchContainer) {
						if c.Bool("ignore") {
							continue
						}
						code = 1 // Podman: a container was not found
					} else if errors.Is(err, container.ErrRunning) && code != 1 {
						code = 2 // Podman: a container is running
					}
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(c.App.Writer, name)
			}
			if err := multiError(c, errs); err != nil {
				return withCode(code, err)
			}
			return nil
		},
	}
}
