package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"
)

func waitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "wait for containers to exit and print their exit codes",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff wait web db",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("wait: no container given: use skiff wait CONTAINER")
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			var errs []error
			for _, name := range c.Args().Slice() {
				code, err := e.Wait(c.Context, name)
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
