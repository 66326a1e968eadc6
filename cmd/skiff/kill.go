package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func killCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "send a signal (SIGKILL by default) to running containers",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff kill -s HUP web",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "`SIGNAL` to send, by name or number"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "signal every running container"},
			&cli.StringSliceFlag{Name: "cidfile", Usage: "read the container ID from `FILE`"},
		},
		Action: func(c *cli.Context) error {
			sig, err := container.ParseSignal(c.String("signal"))
			if err != nil {
				return fmt.Errorf("--signal: %w", err)
			}
			names, err := targets(c, c.Bool("all"), c.StringSlice("cidfile"))
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
				_, err := e.Kill(c.Context, name, sig)
				return err
			})
		},
	}
}
