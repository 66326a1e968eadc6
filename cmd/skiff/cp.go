package main

import (
	"errors"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/files"
)

func cpCommand() *cli.Command {
	return &cli.Command{
		Name:      "cp",
		Usage:     "copy files between a container and the local file system (like docker cp)",
		ArgsUsage: "SRC DST\n\n   One of SRC and DST is CONTAINER:PATH; \"-\" is a tar stream on stdin or stdout.\n\nEXAMPLE:\n   skiff cp web:/etc/hostname .\n   skiff cp ./site web:/var/www",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "overwrite", Usage: "let a copy into the container replace a directory with a file, or a file with a directory"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return errors.New("cp: want a source and a destination: skiff cp [CONTAINER:]SRC [CONTAINER:]DST")
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			return files.Copy(c.Context, e, c.Args().Get(0), c.Args().Get(1), files.CopyOptions{Stdin: os.Stdin, Stdout: c.App.Writer, Overwrite: c.Bool("overwrite")})
		},
	}
}
