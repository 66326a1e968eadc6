package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "make an image of a root file system tarball (a file, an http(s) URL or - for stdin)",
		ArgsUsage: "FILE|URL|- [REFERENCE]\n\nEXAMPLE:\n   skiff import --change 'CMD [\"/bin/sh\"]' rootfs.tar localhost/mine:1",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "change", Aliases: []string{"c"}, Usage: "apply a Dockerfile `INSTRUCTION` (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)"},
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "history `MESSAGE` of the image"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image ID"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return fmt.Errorf("import takes a source and at most one image name, got %d arguments (see 'skiff import --help')", c.NArg())
			}
			changes, err := image.ParseChanges(c.StringSlice("change"))
			if err != nil {
				return err
			}
			name, err := image.ImportName(c.Args().Get(1))
			if err != nil {
				return err
			}
			src, err := image.OpenImportSource(c.Context, c.Args().First(), os.Stdin)
			if err != nil {
				return err
			}
			defer src.Close()
			opts := image.ImportOptions{Name: name, Changes: changes, Message: c.String("message")}
			if !c.Bool("quiet") {
				opts.Writer = image.ProgressWriter(os.Stderr)
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			id, err := image.Import(c.Context, store, src, opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "sha256:"+id)
			return nil
		},
	}
}
