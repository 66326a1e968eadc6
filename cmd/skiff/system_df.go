package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/report"
	"github.com/skiffproject/skiff/system"
)

func systemDFCommand() *cli.Command {
	return &cli.Command{
		Name:      "df",
		Usage:     "show the space images, containers and volumes use",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff system df -v",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "list every image, container and volume"},
			&cli.StringFlag{Name: "format", Usage: "Go template or json for the summary rows (.Type, .Total, .Active, .Size, .Reclaimable)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("system df takes no arguments, got %q", c.Args().First())
			}
			if c.Bool("verbose") && c.IsSet("format") {
				return fmt.Errorf("system df: --verbose and --format cannot be combined")
			}
			format := "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
			if c.IsSet("format") {
				format = c.String("format")
			}
			tmpl, err := report.Parse(format, nil)
			if err != nil {
				return err
			}
			engines, done, err := openSystemEngines(c)
			if err != nil {
				return err
			}
			defer done()
			du, err := system.DF(engines)
			if err != nil {
				return err
			}
			w := c.App.Writer
			if !c.Bool("verbose") {
				return tmpl.Execute(w, anys(du.Summary))
			}
			sections := []struct {
				title, format string
				rows          []any
			}{
				{"Images space usage:", "table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}", anys(du.Images)},
				{"Containers space usage:", "table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.Created}}\t{{.Status}}\t{{.Names}}", anys(du.Containers)},
				{"Local Volumes space usage:", "table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", anys(du.Volumes)},
			}
			headers := map[string]string{"ImageID": "IMAGE ID", "ContainerID": "CONTAINER ID", "LocalVolumes": "LOCAL VOLUMES"}
			for i, s := range sections {
				if i > 0 {
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "%s\n\n", s.title)
				t, err := report.Parse(s.format, headers)
				if err != nil {
					return err
				}
				if err := t.Execute(w, s.rows); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
