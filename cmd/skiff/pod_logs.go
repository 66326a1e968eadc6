package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

func podLogsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the output of a pod's containers, each line after its container's ID (or name)",
		ArgsUsage: "POD\n\nEXAMPLE:\n   skiff pod logs -f -n web",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "print only the output of `CONTAINER` (name or ID) of the pod"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new output until every container has exited"},
			&cli.StringFlag{Name: "tail", Value: "-1", Usage: "print only the last `N` lines of each container (-1: all)"},
			&cli.StringFlag{Name: "since", Usage: "print lines logged since `TIME` (RFC 3339, Unix seconds or a duration such as 10m)"},
			&cli.StringFlag{Name: "until", Usage: "print lines logged until `TIME` (same forms as --since)"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "print each line's time"},
			&cli.BoolFlag{Name: "names", Aliases: []string{"n"}, Usage: "print container names instead of IDs"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("pod logs: give exactly one pod: skiff pod logs POD")
			}
			o := pods.LogsOptions{
				Container:  c.String("container"),
				Follow:     c.Bool("follow"),
				Timestamps: c.Bool("timestamps"),
				Names:      c.Bool("names"),
				Out:        c.App.Writer,
				Err:        c.App.ErrWriter,
			}
			var err error
			if o.Tail, o.Since, o.Until, err = logWindow(c); err != nil {
				return err
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			return pe.Logs(c.Context, c.Args().First(), o)
		},
	}
}
