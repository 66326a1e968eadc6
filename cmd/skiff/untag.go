package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

func untagCommand() *cli.Command {
	return &cli.Command{
		Name:      "untag",
		Usage:     "remove names from a local image (all of them when none is given)",
		ArgsUsage: "IMAGE [NAME...]\n\nEXAMPLE:\n   skiff untag 0a1b2c3d4e5f localhost/myapp:1.0",
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 {
				return fmt.Errorf("untag: no image given: use skiff untag IMAGE [NAME...]")
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			return image.Untag(store, c.Args().First(), c.Args().Tail())
		},
	}
}
