package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podStopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop pods: every member at once, then the infra container",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod stop -t 2 web",
		Flags: []cli.Flag{
			podAllFlag("stop"),
			&cli.UintFlag{Name: "time", Aliases: []string{"t"}, Value: 10, Usage: "`SECONDS` to wait before SIGKILL (default: each container's --stop-timeout)"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore pods that do not exist"},
		},
		Action: func(c *cli.Context) error {
			timeout := podTimeout(c)
			return eachPod(c, exitEngine, func(pe *pods.Engine, name string) (*pods.View, error) {
				return pe.Stop(c.Context, name, timeout)
			})
		},
	}
}

// podTimeout is -t when it was given, else nil (each container's own stop timeout).
func podTimeout(c *cli.Context) *uint {
	if !c.IsSet("time") {
		return nil
	}
	t := c.Uint("time")
	return &t
}
