package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podRestartCommand() *cli.Command {
	return &cli.Command{
		Name:      "restart",
		Usage:     "stop and start pods again",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod restart web",
		Flags:     []cli.Flag{podAllFlag("restart")},
		Action: func(c *cli.Context) error {
			return eachPod(c, exitEngine, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Restart(c.Context, name)
			})
		},
	}
}
