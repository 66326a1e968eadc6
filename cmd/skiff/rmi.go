package main

import (
	"errors"
	"fmt"

	"github.com/containers/storage"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

// rmiCommand is the top-level `skiff rmi`.
func rmiCommand() *cli.Command { return imageRemoveCommand("rmi") }

// imageRemoveCommand builds `rmi` and `image rm`. Exit status as Podman's: 1 when an image did not
// exist, 2 when one is used by a container, 125 for other failures.
func imageRemoveCommand(name string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     "remove images from local storage",
		ArgsUsage: "IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff " + name + " alpine:3.20 0a1b2c3d4e5f",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "also remove the containers using the images, and remove images named by ID that have several names"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove all images"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore images that do not exist"},
		},
		Action: func(c *cli.Context) error {
			opts := image.RemoveOptions{All: c.Bool("all"), Force: c.Bool("force"), Ignore: c.Bool("ignore")}
			names := c.Args().Slice()
			if err := image.CheckRemoveArgs(names, opts.All); err != nil {
				return err
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			report, errs := image.Remove(store, names, opts)
			for _, u := range report.Untagged {
				fmt.Fprintln(c.App.Writer, "Untagged: "+u)
			}
			for _, d := range report.Deleted {
				fmt.Fprintln(c.App.Writer, "Deleted: "+d)
			}
			if len(errs) == 0 {
				return nil
			}
			// Every failure is reported; the last one goes to main, which prints it and exits.
			for _, err := range errs[:len(errs)-1] {
				fmt.Fprintf(c.App.ErrWriter, "Error: %v\n", err)
			}
			last := errs[len(errs)-1]
			if code := rmiExitCode(errs); code != exitEngine {
				return withCode(code, last)
			}
			return last
		},
	}
}

// rmiExitCode is Podman's exit status for a failed rmi: 2 when an image is in use by a container, 1
// when only unknown images failed, 125 otherwise; 0 without errors.
func rmiExitCode(errs []error) int {
	if len(errs) == 0 {
		return 0
	}
	unknown, inUse, other := false, false, false
	for _, err := range errs {
		switch {
		case errors.Is(err, storage.ErrImageUsedByContainer):
			inUse = true
		case errors.Is(err, storage.ErrImageUnknown), errors.Is(err, storage.ErrLayerUnknown):
			unknown = true
		default:
			other = true
		}
	}
	switch {
	case inUse:
		return 2
	case unknown && !other:
		return 1
	default:
		return exitEngine
	}
}
