package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/slirpnet"
)

func portCommand() *cli.Command {
	return &cli.Command{
		Name:      "port",
		Usage:     "list the published ports of a running container, or the host addresses of one of its ports",
		ArgsUsage: "CONTAINER [PORT[/PROTOCOL]]\n\nEXAMPLE:\n   skiff port web 80/tcp\n   skiff port --all",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list the ports of every running container"},
			&cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "use the most recently created container"},
		},
		Action: func(c *cli.Context) error {
			all, latest := c.Bool("all"), c.Bool("latest")
			args := c.Args().Slice()
			var query string
			switch {
			case all && latest:
				return errors.New("--all and --latest cannot be used together")
			case all || latest:
				if len(args) > 1 {
					return fmt.Errorf("with --all or --latest, port takes at most a PORT[/PROTOCOL], got %d arguments", len(args))
				}
				if len(args) == 1 {
					query = args[0]
				}
			default:
				if len(args) < 1 || len(args) > 2 {
					return errors.New("port takes a CONTAINER and optionally a PORT[/PROTOCOL] (or --all)")
				}
				if len(args) == 2 {
					query = args[1]
				}
			}
			if query != "" {
				num, proto, hasProto := strings.Cut(query, "/")
				if n, err := strconv.Atoi(num); err != nil || n < 1 || n > 65535 || hasProto && proto != "tcp" && proto != "udp" {
					return fmt.Errorf("invalid port %q: want PORT or PORT/tcp or PORT/udp", query)
				}
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			var names []string
			switch {
			case all:
				rows, err := view.List(e, view.ListOptions{NoTrunc: true})
				if err != nil {
					return err
				}
				for _, r := range rows {
					names = append(names, r.ID)
				}
			case latest:
				rows, err := view.List(e, view.ListOptions{All: true, Last: 1, NoTrunc: true})
				if err != nil {
					return err
				}
				if len(rows) == 0 {
					return errors.New("no containers to show the ports of")
				}
				names = []string{rows[0].ID}
			default:
				names = []string{args[0]}
			}
			w := c.App.Writer
			for _, name := range names {
				ctr, ports, err := view.Ports(e, name)
				if err != nil {
					return err
				}
				prefix := ""
				if all {
					prefix = ctr.ID[:12] + "\t"
				}
				if query == "" {
					for _, line := range slirpnet.PortLines(ports) {
						fmt.Fprintln(w, prefix+line)
					}
					continue
				}
				addrs, err := slirpnet.LookupPort(ports, query)
				if err != nil {
					if all {
						continue // Podman lists the containers that have the port
					}
					return err
				}
				for _, a := range addrs {
					fmt.Fprintln(w, prefix+a)
				}
			}
			return nil
		},
	}
}
