package main

import (
	"github.com/urfave/cli/v2"
)

func restartCommand() *cli.Command {
	return &cli.Command{
		Name:      "restart",
		Usage:     "stop and start containers",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff restart -t 2 web",
		Flags: []cli.Flag{
			&cli.UintFlag{Name: "time", Aliases: []string{"t"}, Value: 10, Usage: "`SECONDS` to wait before SIGKILL (default: the container's --stop-timeout)"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "restart every running container"},
		},
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
			var timeout *uint
			if c.IsSet("time") {
				t := c.Uint("time")
				timeout = &t
			}
			return eachContainer(c, names, func(name string) error {
				_, err := e.Restart(c.Context, name, timeout)
				return err
			})
		},
	}
}
