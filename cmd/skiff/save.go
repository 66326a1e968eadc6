package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/image"
)

func saveCommand() *cli.Command {
	return &cli.Command{
		Name:      "save",
		Usage:     "write images to an archive (docker-archive, oci-archive) or a directory (oci-dir, docker-dir)",
		ArgsUsage: "IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff save -o images.tar -m app:1 db:2\n   skiff save --format oci-archive app:1 > app.tar",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (a directory for oci-dir and docker-dir) instead of stdout"},
			&cli.StringFlag{Name: "format", Value: image.FormatDockerArchive, Usage: "`FORMAT`: docker-archive, oci-archive, oci-dir or docker-dir"},
			&cli.BoolFlag{Name: "multi-image-archive", Aliases: []string{"m"}, Usage: "every name is an image of its own (docker-archive); without it the names after the first are tags of the first"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no progress"},
			&cli.BoolFlag{Name: "compress", Usage: "refused: skiff writes uncompressed layers"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("compress") {
				return errors.New("save: --compress is not supported: compress the archive afterwards (e.g. gzip)")
			}
			names := c.Args().Slice()
			out := c.String("output")
			opts := image.SaveOptions{Format: c.String("format"), MultiImage: c.Bool("multi-image-archive")}
			if err := image.CheckSaveOptions(names, out, opts); err != nil {
				return err
			}
			if out == "" {
				if f, ok := c.App.Writer.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					return errors.New("save: refusing to write an archive to a terminal (hint: use -o FILE or redirect stdout)")
				}
			}
			if !c.Bool("quiet") {
				opts.Writer = image.ProgressWriter(os.Stderr)
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			if out != "" {
				return image.Save(c.Context, store, names, out, opts)
			}
			// To stdout: c/image writes archives to a path, so through a temporary file.
			tmp, err := image.TempArchive("skiff-save-*.tar")
			if err != nil {
				return err
			}
			tmp.Close()
			defer os.Remove(tmp.Name())
			if err := image.Save(c.Context, store, names, tmp.Name(), opts); err != nil {
				return err
			}
			f, err := os.Open(tmp.Name())
			if err != nil {
				return fmt.Errorf("save: %w", err)
			}
			defer f.Close()
			if _, err := io.Copy(c.App.Writer, f); err != nil {
				return fmt.Errorf("save: write to stdout: %w", err)
			}
			return nil
		},
	}
}
