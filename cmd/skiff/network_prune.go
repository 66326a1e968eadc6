package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func networkPruneCommand() *cli.Command {
	return &cli.Command{
		Name:      "prune",
		Usage:     "remove every network no container uses",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff network prune -f",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"},
			&cli.StringSliceFlag{Name: "filter", Usage: "remove only networks matching `KEY=VALUE` (name, id, driver, label, label!)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("network prune takes no arguments, got %q", c.Args().First())
			}
			if !c.Bool("force") {
				ok, err := confirm(c, "WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			ns, _, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			names, err := ns.Prune(c.StringSlice("filter"))
			for _, n := range names {
				fmt.Fprintln(c.App.Writer, n)
			}
			return err
		},
	}
}
