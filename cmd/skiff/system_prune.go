package main

import (
	"fmt"

	units "github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/system"
	"github.com/skiffproject/skiff/volume"
)

func systemPruneCommand() *cli.Command {
	return &cli.Command{
		Name:      "prune",
		Usage:     "remove stopped containers, exited pods, unused networks, dangling images (and with --volumes unused volumes)",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff system prune -a --volumes -f",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every image no container uses, not only dangling ones"},
			&cli.BoolFlag{Name: "volumes", Usage: "also remove the volumes no container uses"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("system prune takes no arguments, got %q", c.Args().First())
			}
			opts := system.PruneOptions{All: c.Bool("all"), Volumes: c.Bool("volumes")}
			if !c.Bool("force") {
				ok, err := confirm(c, system.PruneWarning(opts))
				if err != nil || !ok {
					return err
				}
			}
			engines, done, err := openSystemEngines(c)
			if err != nil {
				return err
			}
			defer done()
			r := system.Prune(c.Context, engines, opts)
			w := c.App.Writer
			for _, s := range []struct {
				title string
				ids   []string
			}{{"Deleted Containers", r.Containers}, {"Deleted Pods", r.Pods}, {"Deleted Volumes", r.Volumes},
				{"Deleted Images", r.Images}, {"Deleted Networks", r.Networks}} {
				if len(s.ids) == 0 {
					continue
				}
				fmt.Fprintln(w, s.title)
				for _, id := range s.ids {
					fmt.Fprintln(w, id)
				}
			}
			fmt.Fprintf(w, "Total reclaimed space: %s\n", units.HumanSize(float64(r.Reclaimed)))
			return multiError(c, r.Errs)
		},
	}
}

// openSystemEngines opens every store the system verbs look at: containers, pods, networks and volumes.
func openSystemEngines(c *cli.Context) (system.Engines, func(), error) {
	e, done, err := openEngine(c)
	if err != nil {
		return system.Engines{}, nil, err
	}
	store := e.Store()
	ns, err := netbridge.Open(store.GraphRoot())
	if err != nil {
		done()
		return system.Engines{}, nil, err
	}
	ns.Users = e.NetworkUsers
	vs, err := volume.Open(store.GraphRoot())
	if err != nil {
		done()
		return system.Engines{}, nil, err
	}
	vs.Users, vs.RemoveUsers = volumeUsers(c, store)
	return system.Engines{Containers: e, Pods: pods.New(e), Networks: ns, Volumes: vs}, done, nil
}
