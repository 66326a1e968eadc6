package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

func podExistsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "exit 0 if the pod exists, 1 if not",
		ArgsUsage: "POD\n\nEXAMPLE:\n   skiff pod exists web",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("pod exists takes exactly one pod")
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			ok, err := pe.Exists(c.Args().First())
			if err != nil {
				return err
			}
			if !ok {
				return withCode(1, nil)
			}
			return nil
		},
	}
}
