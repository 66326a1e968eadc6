package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func updateCommand() *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "change the resource limits of a container",
		ArgsUsage: "CONTAINER\n\nEXAMPLE:\n   skiff update --cpus 1 --memory 256m web",
		Flags:     limitFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("update: want exactly one container: %s [OPTIONS] CONTAINER", c.Command.HelpName)
			}
			res, err := limitOptions(c)
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			ctr, err := e.Update(c.Context, c.Args().First(), container.UpdateOptions{Resources: res})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, ctr.ID)
			return nil
		},
	}
}
