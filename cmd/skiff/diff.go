package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/containers/storage"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/files"
	"github.com/skiffproject/skiff/image"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "list the files a container or an image changed: A added, C changed, D deleted",
		ArgsUsage: "CONTAINER|IMAGE\n\nEXAMPLE:\n   skiff diff web",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "`FORMAT`: json (the default is one line per path)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("diff takes exactly one container or image, got %d arguments", c.NArg())
			}
			if f := c.String("format"); f != "" && f != "json" {
				return fmt.Errorf("diff --format %q: only json is supported", f)
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			name := c.Args().First()
			// A container first, then an image, as Podman resolves the name.
			changes, err := files.Diff(e, name)
			if errors.Is(err, container.ErrNoSuchContainer) {
				changes, err = image.Diff(e.Store(), name)
				if err != nil && errors.Is(err, storage.ErrImageUnknown) {
					return fmt.Errorf("diff %s: no container or image of that name", name)
				}
			}
			if err != nil {
				return err
			}
			if c.String("format") == "json" {
				b, err := json.MarshalIndent(image.NewDiffReport(changes), "", "     ")
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, string(b))
				return nil
			}
			for _, ch := range changes {
				fmt.Fprintln(c.App.Writer, ch.Kind, ch.Path)
			}
			return nil
		},
	}
}
