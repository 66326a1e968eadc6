package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podPauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "pause",
		Usage:     "freeze every running container of pods (needs a cgroup, as container pause does)",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod pause web",
		Flags:     []cli.Flag{podAllFlag("pause")},
		Action: func(c *cli.Context) error {
			return eachPod(c, exitEngine, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Pause(c.Context, name)
			})
		},
	}
}
