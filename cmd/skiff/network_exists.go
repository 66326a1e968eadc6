package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func networkExistsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "exit 0 if the network exists, 1 if not",
		ArgsUsage: "NETWORK\n\nEXAMPLE:\n   skiff network exists app",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("network exists takes exactly one network, got %d", c.NArg())
			}
			ns, _, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			ok, err := ns.Exists(c.Args().First())
			if err != nil {
				return err
			}
			if !ok {
				return withCode(1, nil)
			}
			return nil
		},
	}
}
