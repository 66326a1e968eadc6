package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/pods"
)

func podKillCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "send a signal (SIGKILL by default) to every running container of pods",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod kill -s HUP web",
		Flags: []cli.Flag{
			podAllFlag("signal"),
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "`SIGNAL` to send, by name or number"},
		},
		Action: func(c *cli.Context) error {
			sig, err := container.ParseSignal(c.String("signal"))
			if err != nil {
				return fmt.Errorf("--signal: %w", err)
			}
			return eachPod(c, exitEngine, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Kill(c.Context, name, sig)
			})
		},
	}
}
