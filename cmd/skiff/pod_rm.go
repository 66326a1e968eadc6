package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "remove pods with their containers",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod rm -f web",
		Flags: []cli.Flag{
			podAllFlag("remove"),
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop running containers first (SIGKILL, or -t)"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore pods that do not exist"},
			&cli.UintFlag{Name: "time", Aliases: []string{"t"}, Value: 0, Usage: "with --force, `SECONDS` to wait after the stop signal before SIGKILL"},
		},
		Action: func(c *cli.Context) error {
			o := pods.RemoveOptions{Force: c.Bool("force"), Timeout: podTimeout(c)}
			// Podman's exit code when a pod does not exist is 1.
			return eachPod(c, 1, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Remove(c.Context, name, o)
			})
		},
	}
}
