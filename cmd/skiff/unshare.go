package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/fuseoverlay"
	"github.com/skiffproject/skiff/runtime/oci"
)

func unshareCommand() *cli.Command {
	return &cli.Command{
		Name:      "unshare",
		Usage:     "run a command inside the user namespace skiff uses (a shell by default)",
		ArgsUsage: "[COMMAND [ARG...]]\n\nEXAMPLE:\n   skiff unshare cat /proc/self/uid_map",
		// Everything after the verb belongs to the command.
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			argv := c.Args().Slice()
			if len(argv) > 0 && (argv[0] == "--help" || argv[0] == "-h") {
				return cli.ShowCommandHelp(c, "unshare")
			}
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				shell := os.Getenv("SHELL")
				if shell == "" {
					shell = "/bin/sh"
				}
				argv = []string{shell}
			}
			if _, err := openStore(c); err != nil {
				return err
			}
			opts, err := fuseoverlay.StoreOptions(storageOptions(c))
			if err != nil {
				return err
			}
			path, err := exec.LookPath(argv[0])
			if err != nil {
				class := oci.ErrCannotInvoke
				if errors.Is(err, exec.ErrNotFound) {
					class = oci.ErrCommandNotFound
				}
				return &commandError{err: fmt.Errorf("unshare: %w", err), class: class}
			}
			// Podman's names, so scripts written for `podman unshare` find the storage.
			env := append(os.Environ(), "CONTAINERS_GRAPHROOT="+opts.GraphRoot, "CONTAINERS_RUNROOT="+opts.RunRoot)
			stderrLog.release() // the warnings held so far, before this process becomes the command
			err = syscall.Exec(path, argv, env)
			return &commandError{err: fmt.Errorf("unshare: exec %s: %w", path, err), class: oci.ErrCannotInvoke}
		},
	}
}
