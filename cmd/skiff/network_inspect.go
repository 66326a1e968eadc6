package main

import (
	"encoding/json"
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/report"
)

// networkInspectData is what network inspect prints, shaped like Podman's.
type networkInspectData struct {
	*netbridge.Network
	Containers map[string]networkContainer `json:"containers"`
}

type networkContainer struct {
	Name       string                      `json:"name"`
	Interfaces map[string]networkInterface `json:"interfaces"`
}

type networkInterface struct {
	Subnets    []networkIPNet `json:"subnets"`
	MacAddress string         `json:"mac_address"`
}

type networkIPNet struct {
	IPNet   string `json:"ipnet"`
	Gateway string `json:"gateway"`
}

func networkInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print the details of networks as JSON or through a template",
		ArgsUsage: "NETWORK [NETWORK...]\n\nEXAMPLE:\n   skiff network inspect --format '{{range .Subnets}}{{.Gateway}}{{end}}' app",
		Flags:     []cli.Flag{inspectFormatFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("network inspect needs at least one network")
			}
			var tmpl *report.Template
			if f := c.String("format"); f != "" {
				t, err := report.Parse(f, nil)
				if err != nil {
					return err
				}
				if !t.IsJSON() {
					tmpl = t
				}
			}
			ns, e, done, err := openNetworks(c)
			if err != nil {
				return err
			}
			defer done()
			members := netbridge.Members()
			var rows []any
			var errs []error
			for _, name := range c.Args().Slice() {
				n, err := ns.Get(name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				d := networkInspectData{Network: n, Containers: map[string]networkContainer{}}
				users, err := view.NetworkContainers(e, n.Name)
				if err != nil {
					return err
				}
				for id, cname := range users {
					nc := networkContainer{Name: cname, Interfaces: map[string]networkInterface{}}
					if m := members[id]; m != nil {
						for _, ep := range m.Endpoints {
							if ep.Network == n.Name {
								nc.Interfaces[ep.Interface] = networkInterface{MacAddress: ep.MAC,
									Subnets: []networkIPNet{{IPNet: ep.IP + "/" + itoa(ep.PrefixLen), Gateway: ep.Gateway}}}
							}
						}
					}
					d.Containers[id] = nc
				}
				rows = append(rows, d)
			}
			if tmpl != nil {
				err = tmpl.Execute(c.App.Writer, rows)
			} else {
				if rows == nil {
					rows = []any{}
				}
				enc := json.NewEncoder(c.App.Writer)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "     ")
				err = enc.Encode(rows)
			}
			if err != nil {
				return err
			}
			if err := lastOf(c, errs); err != nil {
				return withCode(exitEngine, err)
			}
			return nil
		},
	}
}
