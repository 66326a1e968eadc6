package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

func tagCommand() *cli.Command {
	return &cli.Command{
		Name:      "tag",
		Usage:     "add names to a local image",
		ArgsUsage: "IMAGE TARGET_NAME[:TAG] [TARGET_NAME[:TAG]...]\n\nEXAMPLE:\n   skiff tag 0a1b2c3d4e5f myapp:1.0 registry.example.com/team/myapp:1.0",
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return fmt.Errorf("tag: want an image and at least one new name, e.g. skiff tag IMAGE myapp:1.0")
			}
			// Names are checked before the store is opened.
			for _, n := range c.Args().Tail() {
				if _, err := image.NormalizeName(n); err != nil {
					return fmt.Errorf("tag %s: %w", c.Args().First(), err)
				}
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			return image.Tag(store, c.Args().First(), c.Args().Tail())
		},
	}
}
