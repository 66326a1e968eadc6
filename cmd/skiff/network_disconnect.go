package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/netwire"
)

func networkDisconnectCommand() *cli.Command {
	return &cli.Command{
		Name:      "disconnect",
		Usage:     "disconnect a container from a network (from its next start)",
		ArgsUsage: "NETWORK CONTAINER\n\nEXAMPLE:\n   skiff network disconnect app redis",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "ignored, for Podman's grammar"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("network disconnect takes NETWORK CONTAINER, got %d arguments", c.NArg())
			}
			ns, e, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			n, err := ns.Get(c.Args().Get(0))
			if err != nil {
				return err
			}
			return e.UpdateNetwork(c.Context, c.Args().Get(1), netwire.RemoveNetwork(n.Name))
		},
	}
}
