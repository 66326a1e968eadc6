package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/report"
)

func podPsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ps",
		Aliases:   []string{"ls", "list"},
		Usage:     "list pods",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff pod ps --ctr-names --filter status=running",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the pod IDs"},
			&cli.BoolFlag{Name: "ctr-names", Usage: "show the names of each pod's containers"},
			&cli.BoolFlag{Name: "ctr-ids", Usage: "show the IDs of each pod's containers"},
			&cli.BoolFlag{Name: "ctr-status", Usage: "show the status of each pod's containers"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "keep pods matching `KEY=VALUE` (name, id, status, label, ctr-names, ctr-ids, ctr-status, ctr-number)"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` for each row, \"table ...\" or json"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not shorten pod and container IDs"},
			&cli.BoolFlag{Name: "noheading", Usage: "do not print the column headers"},
			&cli.StringFlag{Name: "sort", Value: "created", Usage: "sort by `KEY`: created, id, name, number or status"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("pod ps takes no arguments, got %q", c.Args().First())
			}
			format := c.String("format")
			if format == "" {
				format = "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}"
				if c.Bool("ctr-ids") {
					format += "\t{{.ContainerIds}}"
				}
				if c.Bool("ctr-names") {
					format += "\t{{.ContainerNames}}"
				}
				if c.Bool("ctr-status") {
					format += "\t{{.ContainerStatuses}}"
				}
				if !c.Bool("ctr-ids") && !c.Bool("ctr-names") && !c.Bool("ctr-status") {
					format += "\t{{.NumberOfContainers}}"
				}
			}
			tmpl, err := report.Parse(format, podPsHeaders)
			if err != nil {
				return err
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			vs, err := pe.List(pods.ListOptions{Filters: c.StringSlice("filter"), Sort: c.String("sort")})
			if err != nil {
				return err
			}
			if c.Bool("quiet") {
				for _, v := range vs {
					id := v.ID
					if !c.Bool("no-trunc") {
						id = id[:12]
					}
					fmt.Fprintln(c.App.Writer, id)
				}
				return nil
			}
			if tmpl.IsJSON() {
				reports := make([]pods.Report, 0, len(vs))
				for _, v := range vs {
					reports = append(reports, v.Report())
				}
				b, err := json.MarshalIndent(reports, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(c.App.Writer, "%s\n", b)
				return err
			}
			now := time.Now()
			data := make([]any, len(vs))
			for i, v := range vs {
				data[i] = v.Row(c.Bool("no-trunc"), now)
			}
			if !c.Bool("noheading") {
				return tmpl.Execute(c.App.Writer, data)
			}
			var b strings.Builder
			if err := tmpl.Execute(&b, data); err != nil {
				return err
			}
			out := b.String()
			if strings.HasPrefix(strings.TrimSpace(format), "table") {
				_, out, _ = strings.Cut(out, "\n")
			}
			_, err = fmt.Fprint(c.App.Writer, out)
			return err
		},
	}
}

// podPsHeaders are Podman's column names for pod ps fields.
var podPsHeaders = map[string]string{
	"ID":                 "POD ID",
	"Created":            "CREATED",
	"CreatedAt":          "CREATED AT",
	"InfraID":            "INFRA ID",
	"NumberOfContainers": "# OF CONTAINERS",
	"ContainerIds":       "IDS",
	"ContainerNames":     "NAMES",
	"ContainerStatuses":  "STATUS",
}
