package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/record"
)

func volumeExportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a volume's content as a tar archive",
		ArgsUsage: "VOLUME\n\nEXAMPLE:\n   skiff volume export -o data.tar data",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("volume export takes exactly one volume, got %d", c.NArg())
			}
			var w io.Writer = c.App.Writer
			out := c.String("output")
			if f, ok := w.(interface{ Fd() uintptr }); out == "" && ok && term.IsTerminal(int(f.Fd())) {
				return errors.New("volume export: refusing to write a tar archive to a terminal (hint: use -o FILE or redirect stdout)")
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			if out == "" {
				return vs.Export(c.Args().First(), w)
			}
			// Written atomically, so a failed export leaves no partial file.
			return record.WriteStream(out, 0o600, func(w io.Writer) error { return vs.Export(c.Args().First(), w) })
		},
	}
}

func volumeImportCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "unpack a tar archive (a file, or - for stdin) into a volume",
		ArgsUsage: "VOLUME SOURCE\n\nEXAMPLE:\n   skiff volume import data data.tar\n   gzip -dc data.tar.gz | skiff volume import data -",
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("volume import takes a volume and a source (a file or -), got %d arguments", c.NArg())
			}
			var r io.Reader = os.Stdin
			if src := c.Args().Get(1); src != "-" {
				f, err := os.Open(src)
				if err != nil {
					return fmt.Errorf("volume import: %w", err)
				}
				defer f.Close()
				r = f
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			return vs.Import(c.Args().First(), r)
		},
	}
}

func volumeMountCommand() *cli.Command {
	return &cli.Command{
		Name:      "mount",
		Usage:     "print where a volume's content is (inside skiff unshare, for a volume without -o type/device)",
		ArgsUsage: "VOLUME [VOLUME...]\n\nEXAMPLE:\n   skiff unshare sh -c 'ls $(skiff volume mount data)'",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("volume mount: no volume given: use skiff volume mount VOLUME")
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			var errs []error
			for _, name := range c.Args().Slice() {
				p, err := vs.Mountpoint(name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(c.App.Writer, p)
			}
			return multiError(c, errs)
		},
	}
}

func volumeUnmountCommand() *cli.Command {
	return &cli.Command{
		Name:      "unmount",
		Aliases:   []string{"umount"},
		Usage:     "end a volume mount: a volume without -o type/device is a directory, so this only checks the volume",
		ArgsUsage: "VOLUME [VOLUME...]\n\nEXAMPLE:\n   skiff volume unmount data",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("volume unmount: no volume given: use skiff volume unmount VOLUME")
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			var errs []error
			for _, name := range c.Args().Slice() {
				if _, err := vs.Mountpoint(name); err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(c.App.Writer, name)
			}
			return multiError(c, errs)
		},
	}
}
