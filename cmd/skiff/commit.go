package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/files"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/record"
)

func commitCommand() *cli.Command {
	return &cli.Command{
		Name:      "commit",
		Usage:     "make a new image of a container's changes",
		ArgsUsage: "CONTAINER [IMAGE]\n\nEXAMPLE:\n   skiff commit --change 'ENV MODE=prod' web localhost/web:2",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "change", Aliases: []string{"c"}, Usage: "apply a Dockerfile `INSTRUCTION` (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)"},
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit `MESSAGE` (the history comment)"},
			&cli.StringFlag{Name: "author", Aliases: []string{"a"}, Usage: "`AUTHOR` of the image"},
			&cli.BoolFlag{Name: "pause", Aliases: []string{"p"}, Usage: "pause the container while committing"},
			&cli.BoolFlag{Name: "squash", Aliases: []string{"s"}, Usage: "make one layer of the whole file system"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "oci", Usage: "image `FORMAT`: oci or docker"},
			&cli.StringFlag{Name: "iidfile", Usage: "write the image ID to `FILE`"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no progress"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return fmt.Errorf("commit takes a container and at most one image name, got %d arguments (see 'skiff commit --help')", c.NArg())
			}
			if err := image.CheckFormat(c.String("format")); err != nil {
				return err
			}
			changes, err := image.ParseChanges(c.StringSlice("change"))
			if err != nil {
				return err
			}
			name, err := image.ImportName(c.Args().Get(1))
			if err != nil {
				return err
			}
			opts := files.CommitOptions{Name: name, Changes: changes, Author: c.String("author"), Message: c.String("message"),
				Pause: c.Bool("pause"), Squash: c.Bool("squash"), Format: c.String("format")}
			if !c.Bool("quiet") {
				opts.Writer = image.ProgressWriter(os.Stderr)
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			id, err := files.Commit(c.Context, e, c.Args().First(), opts)
			if err != nil {
				return err
			}
			if f := c.String("iidfile"); f != "" {
				if err := record.WriteFile(f, []byte("sha256:"+id), 0o644); err != nil {
					return fmt.Errorf("commit: write --iidfile: %w", err)
				}
			}
			fmt.Fprintln(c.App.Writer, id)
			return nil
		},
	}
}
