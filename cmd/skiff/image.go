package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

// imageCommand is the `skiff image` noun. Its verbs are the same constructors as the top-level ones
// (pull, images, rmi, tag, …), mounted a second time under Podman's names.
func imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "manage images",
		Subcommands: []*cli.Command{
			pullCommand(),
			imageListCommand("ls", []string{"list", "images"}),
			imageInspectCommand(),
			imageRemoveCommand("rm"),
			tagCommand(),
			untagCommand(),
			imagePruneCommand(),
			historyCommand(),
			imageExistsCommand(),
			imageMountCommand(),
			imageUnmountCommand(),
			imageExportStoreCommand(),
			buildCommand(),
			pushCommand(),
			saveCommand(),
			loadCommand(),
			importCommand(),
			diffCommand(),
		},
	}
}

func imageExistsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "exit 0 if the image is in local storage, 1 if not",
		ArgsUsage: "IMAGE\n\nEXAMPLE:\n   skiff image exists localhost:5000/busybox",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("image exists takes exactly one image, got %d", c.NArg())
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			ok, err := image.Exists(store, c.Args().First())
			if err != nil {
				return err
			}
			if !ok {
				return withCode(1, nil)
			}
			return nil
		},
	}
}

func imagePruneCommand() *cli.Command {
	return &cli.Command{
		Name:      "prune",
		Usage:     "remove dangling images (with -a, every image no container uses)",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff image prune -a -f",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every image no container uses, not only dangling ones"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"},
			&cli.StringSliceFlag{Name: "filter", Usage: "remove only images matching `KEY=VALUE` (label=, until=, …)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("image prune takes no arguments, got %q", c.Args().First())
			}
			opts := image.PruneOptions{All: c.Bool("all"), Filters: c.StringSlice("filter")}
			if !c.Bool("force") {
				ok, err := confirm(c, image.PruneWarning(opts.All)+"Are you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			removed, err := image.Prune(c.Context, store, opts)
			for _, r := range removed {
				fmt.Fprintln(c.App.Writer, r.ID)
			}
			return err
		},
	}
}

func imageMountCommand() *cli.Command {
	return &cli.Command{
		Name:      "mount",
		Usage:     "mount an image's root file system read-only and print the path",
		ArgsUsage: "IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff image mount localhost:5000/busybox",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("image mount: no image given: use skiff image mount IMAGE")
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			for _, name := range c.Args().Slice() {
				id, path, err := image.Mount(store, name)
				if err != nil {
					return err
				}
				if c.NArg() == 1 {
					fmt.Fprintln(c.App.Writer, path)
				} else {
					fmt.Fprintln(c.App.Writer, id, path)
				}
			}
			return nil
		},
	}
}

func imageUnmountCommand() *cli.Command {
	return &cli.Command{
		Name:      "unmount",
		Aliases:   []string{"umount"},
		Usage:     "release a mount made by image mount",
		ArgsUsage: "IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff image unmount localhost:5000/busybox",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "release every mount of the image"}},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("image unmount: no image given: use skiff image unmount IMAGE")
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			var failed []string
			for _, name := range c.Args().Slice() {
				id, err := image.Unmount(store, name, c.Bool("force"))
				if err != nil {
					failed = append(failed, err.Error())
					continue
				}
				fmt.Fprintln(c.App.Writer, id)
			}
			if len(failed) > 0 {
				return fmt.Errorf("%s", strings.Join(failed, "; "))
			}
			return nil
		},
	}
}
