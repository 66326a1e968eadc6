package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/userns"
)

func imageExportStoreCommand() *cli.Command {
	return &cli.Command{
		Name:  "export-store",
		Usage: "copy images into a shared read-only image store that other users list under additionalimagestores in storage.conf",
		ArgsUsage: "DIR IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff image export-store /project/images localhost:5000/busybox\n" +
			"   # users then add to ~/.config/containers/storage.conf:\n" +
			"   #   [storage.options]\n   #   additionalimagestores = [\"/project/images\"]",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the IDs of the images copied"}},
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return fmt.Errorf("image export-store: want DIR IMAGE [IMAGE...], got %d arguments", c.NArg())
			}
			dir, err := filepath.Abs(c.Args().First())
			if err != nil {
				return err
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			runRoot, err := os.MkdirTemp(userns.RuntimeDir(), "export-store-")
			if err != nil {
				return fmt.Errorf("image export-store: %w", err)
			}
			defer os.RemoveAll(runRoot)
			var progress io.Writer = os.Stderr
			if c.Bool("quiet") {
				progress = nil
			}
			ids, err := image.ExportStore(c.Context, store, dir, c.Args().Tail(), image.ExportStoreOptions{Writer: progress, RunRoot: runRoot})
			for _, id := range ids {
				fmt.Fprintln(c.App.Writer, id)
			}
			return err
		},
	}
}
