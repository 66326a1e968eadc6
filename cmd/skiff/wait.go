package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func waitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "wait for containers to exit and print their exit codes",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff wait web db\n   skiff wait --condition running web",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "condition", Usage: "wait for `STATE`: created (configured), running, paused, stopping, exited (stopped); the first reached ends the wait"},
			&cli.DurationFlag{Name: "interval", Aliases: []string{"i"}, Value: 250 * time.Millisecond, Usage: "check the state every `DURATION`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("wait: no container given: use skiff wait CONTAINER")
			}
			conds, err := container.ParseWaitConditions(c.StringSlice("condition"))
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			var errs []error
			for _, name := range c.Args().Slice() {
				code, err := e.WaitFor(c.Context, name, conds, c.Duration("interval"))
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(c.App.Writer, code)
			}
			return multiError(c, errs)
		},
	}
}
