package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

func pushCommand() *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "push an image to a registry (or to an oci:, docker-archive:, dir: destination)",
		ArgsUsage: "IMAGE [DESTINATION]\n\nEXAMPLE:\n   skiff push localhost:5000/app:1\n   skiff push app localhost:5000/team/app:1",
		Flags: append(registryFlags(),
			&cli.StringFlag{Name: "creds", Usage: "registry credentials `USER[:PASSWORD]` (prompts for a missing password on a terminal)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "manifest `TYPE` to write: oci, v2s2 or v2s1 (default: the image's own)"},
			&cli.StringFlag{Name: "digestfile", Usage: "write the digest of the pushed manifest to `FILE`"},
			&cli.StringFlag{Name: "compression-format", Usage: "compress layers with `ALGORITHM`: gzip or zstd"},
			&cli.BoolFlag{Name: "force-compression", Usage: "recompress layers the destination has in another compression"},
			&cli.BoolFlag{Name: "remove-signatures", Usage: "do not copy the image's signatures"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing while pushing"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return fmt.Errorf("push takes an image and at most one destination, got %d arguments (see 'skiff push --help')", c.NArg())
			}
			sysOpts, err := systemOptions(c)
			if err != nil {
				return err
			}
			opts := image.PushOptions{
				System:           sysOpts,
				Format:           c.String("format"),
				Compression:      c.String("compression-format"),
				ForceCompression: c.Bool("force-compression"),
				RemoveSignatures: c.Bool("remove-signatures"),
				DigestFile:       c.String("digestfile"),
			}
			if err := image.CheckPushOptions(opts); err != nil {
				return err
			}
			if !c.Bool("quiet") {
				opts.Writer = image.ProgressWriter(os.Stderr) // bars on a terminal, lines elsewhere
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			return image.Push(c.Context, store, c.Args().Get(0), c.Args().Get(1), opts)
		},
	}
}
