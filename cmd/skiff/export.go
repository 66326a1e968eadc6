package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/container/files"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a container's file system as a tar archive",
		ArgsUsage: "CONTAINER\n\nEXAMPLE:\n   skiff export -o web.tar web",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("export takes exactly one container")
			}
			var w io.Writer = c.App.Writer
			out := c.String("output")
			if out == "" {
				if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
					return errors.New("export: refusing to write a tar archive to a terminal (hint: use -o FILE or redirect stdout)")
				}
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				if err := files.Export(c.Context, e, c.Args().First(), f); err != nil {
					f.Close()
					os.Remove(out)
					return err
				}
				return f.Close()
			}
			return files.Export(c.Context, e, c.Args().First(), w)
		},
	}
}
