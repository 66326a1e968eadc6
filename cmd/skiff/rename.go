package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

func renameCommand() *cli.Command {
	return &cli.Command{
		Name:      "rename",
		Usage:     "rename a container",
		ArgsUsage: "CONTAINER NEW_NAME\n\nEXAMPLE:\n   skiff rename web web-old",
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return errors.New("rename: want a container and its new name: skiff rename CONTAINER NEW_NAME")
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			return e.Rename(c.Context, c.Args().Get(0), c.Args().Get(1))
		},
	}
}
