package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/netbridge"
)

func networkConnectCommand() *cli.Command {
	return &cli.Command{
		Name:      "connect",
		Usage:     "connect a container to a network (from its next start)",
		ArgsUsage: "NETWORK CONTAINER\n\nEXAMPLE:\n   skiff network connect --alias cache app redis",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "alias", Usage: "another DNS `NAME` of the container on this network"},
			&cli.StringFlag{Name: "ip", Usage: "IPv4 `ADDRESS` of the container on this network"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("network connect takes NETWORK CONTAINER, got %d arguments", c.NArg())
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
			return e.UpdateNetwork(c.Context, c.Args().Get(1), netwire.AddNetwork(netbridge.Request{Network: n.Name, Aliases: c.StringSlice("alias"), IP: c.String("ip")}))
		},
	}
}
