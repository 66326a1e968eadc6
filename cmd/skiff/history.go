package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/report"
)

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "show the steps an image was built with",
		ArgsUsage: "IMAGE\n\nEXAMPLE:\n   skiff history --format '{{.ID}} {{.CreatedBy}}' localhost:5000/busybox",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "human", Aliases: []string{"H"}, Value: true, Usage: "show times as \"2 hours ago\" and sizes as \"4.3 MB\" (--human=false: RFC 3339 and bytes)"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not shorten IDs and commands"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the IDs"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` per row, \"table TEMPLATE\", or json"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("history takes exactly one image, got %d", c.NArg())
			}
			format := "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
			switch {
			case c.Bool("quiet"):
				format = "{{.ID}}"
			case c.IsSet("format"):
				format = c.String("format")
			}
			tmpl, err := report.Parse(format, image.HistoryHeaders)
			if err != nil {
				return err
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			entries, err := image.History(c.Context, store, c.Args().First())
			if err != nil {
				return err
			}
			if tmpl.IsJSON() {
				// Podman's shape: one line, with its "created" and "Created" fields.
				return json.NewEncoder(c.App.Writer).Encode(entries)
			}
			return tmpl.Execute(c.App.Writer, anys(image.HistoryRows(entries, c.Bool("no-trunc"), c.Bool("human"))))
		},
	}
}
