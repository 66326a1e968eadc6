package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/netbridge"
)

// networkRemoveCommand is `network rm`. Exit status: 1 when a network did not exist, 2 when one is in
// use, 125 for other failures.
func networkRemoveCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "remove networks",
		ArgsUsage: "NETWORK [NETWORK...]\n\nEXAMPLE:\n   skiff network rm -f app",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "also remove the containers connected to the networks"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("network rm needs at least one network")
			}
			ns, _, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			var errs []error
			code := 0
			for _, n := range c.Args().Slice() {
				name, err := ns.Remove(n, c.Bool("force"))
				switch {
				case err == nil:
					fmt.Fprintln(c.App.Writer, name)
					continue
				case errors.Is(err, netbridge.ErrInUse):
					code = 2
				case errors.Is(err, netbridge.ErrNoSuchNetwork):
					if code == 0 {
						code = 1
					}
				default:
					code = exitEngine
				}
				errs = append(errs, err)
			}
			if err := lastOf(c, errs); err != nil {
				return withCode(code, err)
			}
			return nil
		},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
