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

func loadCommand() *cli.Command {
	return &cli.Command{
		Name:      "load",
		Usage:     "load images from a docker-archive or oci-archive (a file or stdin)",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff load -i images.tar\n   skiff load < images.tar",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "read the archive from `FILE` instead of stdin"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no progress"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("load takes no arguments, got %q: name the archive with -i FILE", c.Args().First())
			}
			in := c.String("input")
			if in == "" && term.IsTerminal(int(os.Stdin.Fd())) {
				return errors.New("load: no archive: use -i FILE or redirect stdin")
			}
			if in != "" {
				if _, err := os.Stat(in); err != nil {
					return fmt.Errorf("load: %w", err)
				}
			}
			opts := image.LoadOptions{}
			if !c.Bool("quiet") {
				opts.Writer = image.ProgressWriter(os.Stderr)
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			if in == "" {
				tmp, err := image.TempArchive("skiff-load-*.tar")
				if err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				_, err = io.Copy(tmp, os.Stdin)
				if cerr := tmp.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return fmt.Errorf("load: read stdin: %w", err)
				}
				in = tmp.Name()
			}
			names, err := image.Load(c.Context, store, in, opts)
			for _, n := range names {
				fmt.Fprintln(c.App.Writer, "Loaded image: "+n)
			}
			return err
		},
	}
}
