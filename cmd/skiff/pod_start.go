package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podStartCommand() *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "start pods: the infra container first, then every member",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod start web",
		Flags:     []cli.Flag{podAllFlag("start")},
		Action: func(c *cli.Context) error {
			return eachPod(c, exitEngine, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Start(c.Context, name)
			})
		},
	}
}
