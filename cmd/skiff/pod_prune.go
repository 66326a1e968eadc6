package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func podPruneCommand() *cli.Command {
	return &cli.Command{
		Name:      "prune",
		Usage:     "remove every pod whose containers have all exited",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff pod prune -f",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("pod prune takes no arguments, got %q", c.Args().First())
			}
			if !c.Bool("force") {
				ok, err := confirm(c, "WARNING! This will remove all stopped/exited pods..\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			reports, err := pe.Prune(c.Context)
			if err != nil {
				return err
			}
			var errs []error
			for _, r := range reports {
				if r.Err != nil {
					errs = append(errs, r.Err)
					continue
				}
				fmt.Fprintln(c.App.Writer, r.ID)
			}
			return multiError(c, errs)
		},
	}
}
