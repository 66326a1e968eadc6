package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/netwire"
)

// networkFlags are the network flags of create and run.
func networkFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "network", Aliases: []string{"net"}, Usage: "network `MODE`: slirp4netns[:OPTION=VALUE,...], pasta[:ARG,...], none, host, container:NAME|ID, ns:PATH, NETWORK[,NETWORK...] (bridge or podman: the default network, made on first use) (default: containers.conf default_rootless_network_cmd, else slirp4netns)"},
		&cli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a container port on the host: `[IP:][HOSTPORT:]CONTAINERPORT[/PROTOCOL]` (ranges allowed, no HOSTPORT picks a free one)"},
		&cli.BoolFlag{Name: "publish-all", Aliases: []string{"P"}, Usage: "publish every exposed port on a random host port"},
		&cli.StringSliceFlag{Name: "expose", Usage: "expose `PORT[/PROTOCOL]` (or a range) in addition to the image's EXPOSE"},
		&cli.StringSliceFlag{Name: "add-host", Usage: "add `NAME:IP` to /etc/hosts (IP may be host-gateway)"},
		&cli.StringSliceFlag{Name: "dns", Usage: "use the DNS server `IP` instead of the network's and the host's"},
		&cli.StringSliceFlag{Name: "dns-search", Usage: "DNS search `DOMAIN` (\".\" for none)"},
		&cli.StringSliceFlag{Name: "dns-option", Aliases: []string{"dns-opt"}, Usage: "resolv.conf `OPTION` (ndots:2, …)"},
		&cli.BoolFlag{Name: "no-hosts", Usage: "do not write /etc/hosts: keep the image's"},
	}
}

// networkOptions parses the network flags into netwire.Options.
func networkOptions(c *cli.Context) (netwire.Options, error) {
	return netwire.ParseFlags(netwire.Flags{
		Network:    c.String("network"),
		Publish:    c.StringSlice("publish"),
		PublishAll: c.Bool("publish-all"),
		Expose:     c.StringSlice("expose"),
		AddHosts:   c.StringSlice("add-host"),
		DNS:        c.StringSlice("dns"),
		DNSSearch:  c.StringSlice("dns-search"),
		DNSOptions: c.StringSlice("dns-option"),
		NoHosts:    c.Bool("no-hosts"),
		Aliases:    c.StringSlice("network-alias"), // network connect's flags (network.go)
		IP:         c.String("ip"),
	})
}
