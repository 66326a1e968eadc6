package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/report"
)

// networkRow is one line of network ls.
type networkRow struct {
	ID, Name, Driver, NetworkInterface, Created, Subnets string
	Internal, DNSEnabled                                 bool
	Labels                                               map[string]string
	Network                                              *netbridge.Network
}

var networkListHeaders = map[string]string{"ID": "NETWORK ID", "NetworkInterface": "INTERFACE", "DNSEnabled": "DNS"}

func networkListCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Aliases:   []string{"list"},
		Usage:     "list networks",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff network ls --filter label=app=shop --format '{{.Name}} {{.Subnets}}'",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only network names"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "keep networks matching `KEY=VALUE` (name, id, driver, label, label!)"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` per network, \"table TEMPLATE\", or json"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "do not print the column headings"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "print full network IDs"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("network ls takes no arguments, got %q (use --filter name=%s)", c.Args().First(), c.Args().First())
			}
			match, err := netbridge.CompileFilters(c.StringSlice("filter"))
			if err != nil {
				return err
			}
			format := "table {{.ID}}\t{{.Name}}\t{{.Driver}}"
			if c.IsSet("format") {
				format = c.String("format")
			}
			tmpl, err := report.Parse(format, networkListHeaders)
			if err != nil {
				return err
			}
			ns, _, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			all, err := ns.List()
			if err != nil {
				return err
			}
			var rows []any
			for _, n := range all {
				if !match(n) {
					continue
				}
				if c.Bool("quiet") {
					fmt.Fprintln(c.App.Writer, n.Name)
					continue
				}
				if tmpl.IsJSON() {
					rows = append(rows, n)
					continue
				}
				var subnets []string
				for _, s := range n.Subnets {
					subnets = append(subnets, s.Subnet)
				}
				id := n.ID
				if !c.Bool("no-trunc") {
					id = id[:12]
				}
				rows = append(rows, networkRow{ID: id, Name: n.Name, Driver: n.Driver, NetworkInterface: n.NetworkInterface,
					Created: n.Created.Format("2006-01-02 15:04:05 -0700 MST"), Subnets: strings.Join(subnets, ","),
					Internal: n.Internal, DNSEnabled: n.DNSEnabled, Labels: n.Labels, Network: n})
			}
			switch {
			case c.Bool("quiet"):
				return nil
			case tmpl.IsJSON() || !c.Bool("noheading"):
				return tmpl.Execute(c.App.Writer, rows)
			}
			return executeWithoutHeader(c, tmpl, rows)
		},
	}
}
