package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/slirpnet"
)

func podCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create a pod: an infra container that owns the namespaces its members share",
		ArgsUsage: "[NAME]\n\nEXAMPLE:\n   skiff pod create --name web -p 8080:80\n   skiff run -d --pod web localhost:5000/busybox httpd -f -p 80",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "exit-policy", Value: pods.ExitContinue, Usage: "when the last container exits: `POLICY` continue (the pod keeps running) or stop (the pod stops)"},
			&cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "assign `NAME` to the pod"},
			&cli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a port of the pod on the host: `[IP:][HOSTPORT:]CONTAINERPORT[/PROTOCOL]`"},
			&cli.StringFlag{Name: "share", Value: strings.Join(pods.DefaultShare, ","), Usage: "`NAMESPACES` the members share: ipc, net, pid, uts (comma separated; a leading + adds to the default; \"\" shares none and creates no infra container)"},
			&cli.BoolFlag{Name: "infra", Value: true, Usage: "create an infra container that holds the shared namespaces"},
			&cli.StringFlag{Name: "infra-command", Usage: "`COMMAND` of the infra container (default: /catatonit -P; a JSON array or words)"},
			&cli.StringFlag{Name: "infra-name", Usage: "`NAME` of the infra container (default: <pod ID>-infra)"},
			&cli.StringFlag{Name: "hostname", Usage: "the pod's host `NAME` (default: the pod's name)"},
			&cli.StringFlag{Name: "network", Aliases: []string{"net"}, Usage: "the pod's network `MODE`: slirp4netns[:OPTION=VALUE,...], pasta[:ARG,...], none, host or ns:PATH"},
			&cli.StringSliceFlag{Name: "add-host", Usage: "add `NAME:IP` to the pod's /etc/hosts"},
			&cli.StringSliceFlag{Name: "dns", Usage: "use the DNS server `IP` in the pod"},
			&cli.StringSliceFlag{Name: "dns-search", Usage: "DNS search `DOMAIN` of the pod"},
			&cli.StringSliceFlag{Name: "dns-option", Aliases: []string{"dns-opt"}, Usage: "resolv.conf `OPTION` of the pod"},
			&cli.BoolFlag{Name: "no-hosts", Usage: "do not write the pod's /etc/hosts"},
			&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set metadata `KEY=VALUE` on the pod"},
			&cli.BoolFlag{Name: "replace", Usage: "remove a pod of the same name first, with its containers"},
			&cli.StringFlag{Name: "infra-conmon-pidfile", Usage: "write the PID of the infra container's monitor to `FILE` at each pod start (a unit's PIDFile=)"},
		},
		Action: func(c *cli.Context) error {
			o, err := podCreateOptions(c)
			if err != nil {
				return err
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			v, err := pe.Create(c.Context, o)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, v.ID)
			return nil
		},
	}
}

// podCreateOptions maps the flags of pod create to pods.CreateOptions; every value is checked here,
// before the store is opened.
func podCreateOptions(c *cli.Context) (pods.CreateOptions, error) {
	name := c.String("name")
	switch {
	case c.NArg() > 1:
		return pods.CreateOptions{}, fmt.Errorf("pod create takes at most one argument, the pod's name; got %d", c.NArg())
	case c.NArg() == 1 && name != "":
		return pods.CreateOptions{}, fmt.Errorf("pod create: the name is given twice (%q and --name %q)", c.Args().First(), name)
	case c.NArg() == 1:
		name = c.Args().First()
	}
	labels, err := container.ParseLabels(c.StringSlice("label"))
	if err != nil {
		return pods.CreateOptions{}, err
	}
	share, err := pods.ParseShare(c.String("share"))
	if err != nil {
		return pods.CreateOptions{}, err
	}
	infra := c.Bool("infra")
	if !c.IsSet("infra") && c.IsSet("share") && len(share) == 0 {
		infra = false // Podman: --share "" creates no infra container unless --infra says so
	}
	if !infra && len(share) > 0 && c.IsSet("share") {
		return pods.CreateOptions{}, fmt.Errorf("cannot set share(%s) namespaces without an infra container", c.String("share"))
	}
	if !infra && len(c.StringSlice("publish")) > 0 {
		return pods.CreateOptions{}, fmt.Errorf("you must have an infra container to publish port bindings to the host")
	}
	o := pods.CreateOptions{
		Name:          name,
		Labels:        labels,
		Share:         share,
		Infra:         infra,
		InfraName:     c.String("infra-name"),
		Hostname:      c.String("hostname"),
		CreateCommand: os.Args,
		InfraPIDFile:  c.String("infra-conmon-pidfile"),
		Replace:       c.Bool("replace"),
		ExitPolicy:    c.String("exit-policy"),
	}
	if o.Network, err = netwire.ParseFlags(netwire.Flags{
		Network:    c.String("network"),
		Publish:    c.StringSlice("publish"),
		AddHosts:   c.StringSlice("add-host"),
		DNS:        c.StringSlice("dns"),
		DNSSearch:  c.StringSlice("dns-search"),
		DNSOptions: c.StringSlice("dns-option"),
		NoHosts:    c.Bool("no-hosts"),
	}); err != nil {
		return o, err
	}
	if o.Replace && o.Name == "" {
		return o, fmt.Errorf("--replace needs --name: it replaces the pod of that name")
	}
	if o.InfraPIDFile != "" && !infra {
		return o, fmt.Errorf("--infra-conmon-pidfile needs an infra container")
	}
	if s := c.String("infra-command"); s != "" {
		if o.InfraCommand, err = parseCommand(s); err != nil {
			return o, fmt.Errorf("--infra-command: %w", err)
		}
	}
	if o.Network.Mode.Kind == slirpnet.Container {
		return o, fmt.Errorf("--network %s: a pod cannot join another container's network; its members join the pod's", o.Network.Mode)
	}
	return o, nil
}

// parseCommand reads a command given as one flag value: a JSON array, or words separated by spaces.
func parseCommand(s string) ([]string, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var argv []string
		if err := json.Unmarshal([]byte(s), &argv); err != nil {
			return nil, fmt.Errorf("%q: not a JSON array of strings: %w", s, err)
		}
		if len(argv) == 0 {
			return nil, fmt.Errorf("%q: empty command", s)
		}
		return argv, nil
	}
	argv := strings.Fields(s)
	if len(argv) == 0 {
		return nil, fmt.Errorf("%q: empty command", s)
	}
	return argv, nil
}
