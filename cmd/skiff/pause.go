package main

import (
	"github.com/urfave/cli/v2"
)

func pauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "pause",
		Usage:     "freeze every process of running containers (needs a cgroup)",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff pause web",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "pause every running container"}},
		Action: func(c *cli.Context) error {
			names, err := targets(c, c.Bool("all"), nil)
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			if c.Bool("all") {
				if names, err = runningIDs(e); err != nil {
					return err
				}
			}
			return eachContainer(c, names, func(name string) error {
				_, err := e.Pause(c.Context, name)
				return err
			})
		},
	}
}
