package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podUnpauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "unpause",
		Usage:     "thaw every paused container of pods",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod unpause web",
		Flags:     []cli.Flag{podAllFlag("unpause")},
		Action: func(c *cli.Context) error {
			return eachPod(c, exitEngine, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Unpause(c.Context, name)
			})
		},
	}
}
