package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/netbridge"
)

func networkCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create a network",
		ArgsUsage: "[NAME]\n\nEXAMPLE:\n   skiff network create --subnet 10.90.0.0/24 --label app=shop app",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: netbridge.DriverBridge, Usage: "network `DRIVER` (only bridge)"},
			&cli.StringFlag{Name: "subnet", Usage: "IPv4 `CIDR` (default: the next free /24 of " + netbridge.DefaultPool + ")"},
			&cli.StringFlag{Name: "gateway", Usage: "gateway `IP` (default: the first address of the subnet)"},
			&cli.BoolFlag{Name: "internal", Usage: "no traffic leaves the network"},
			&cli.StringSliceFlag{Name: "label", Usage: "set metadata `KEY=VALUE`"},
			&cli.BoolFlag{Name: "ignore", Usage: "if the network exists, print its name and succeed"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("network create takes at most one name, got %d", c.NArg())
			}
			if c.IsSet("gateway") && !c.IsSet("subnet") {
				return fmt.Errorf("--gateway needs --subnet")
			}
			labels := map[string]string{}
			for _, l := range c.StringSlice("label") {
				k, v, _ := strings.Cut(l, "=")
				if k == "" {
					return fmt.Errorf("--label %q: want KEY=VALUE", l)
				}
				labels[k] = v
			}
			ns, _, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			n, err := ns.Create(netbridge.CreateOptions{
				Name: c.Args().First(), Driver: c.String("driver"), Subnet: c.String("subnet"), Gateway: c.String("gateway"),
				Internal: c.Bool("internal"), Labels: labels, Ignore: c.Bool("ignore"),
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, n.Name)
			return nil
		},
	}
}
