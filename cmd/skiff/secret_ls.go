package main

import (
	"fmt"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/report"
)

// secretRow is one line of secret ls; the field names are Podman's.
type secretRow struct {
	ID, Name, Driver, CreatedAt, UpdatedAt string
}

var secretHeaders = map[string]string{"CreatedAt": "CREATED", "UpdatedAt": "UPDATED"}

func secretLsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Aliases:   []string{"list"},
		Usage:     "list secrets",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff secret ls --format '{{.Name}}'",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` per secret, \"table TEMPLATE\", or json"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only IDs"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "do not print the column headings"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("secret ls takes no arguments, got %q", c.Args().First())
			}
			format := c.String("format")
			if format == "" {
				format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
				if c.Bool("noheading") {
					format = "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
				}
			}
			tmpl, err := report.Parse(format, secretHeaders)
			if err != nil {
				return err
			}
			st, _, done, err := openSecrets(c)
			if err != nil {
				return err
			}
			defer done()
			list, err := st.List()
			if err != nil {
				return err
			}
			rows := make([]any, 0, len(list))
			for _, s := range list {
				if c.Bool("quiet") {
					fmt.Fprintln(c.App.Writer, s.ID)
					continue
				}
				rows = append(rows, secretRow{ID: s.ID, Name: s.Name, Driver: s.Driver,
					CreatedAt: units.HumanDuration(time.Since(s.CreatedAt)) + " ago", UpdatedAt: units.HumanDuration(time.Since(s.UpdatedAt)) + " ago"})
			}
			if c.Bool("quiet") {
				return nil
			}
			return tmpl.Execute(c.App.Writer, rows)
		},
	}
}
