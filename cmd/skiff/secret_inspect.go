package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/report"
)

// secretInspect is Podman's secret inspect document: metadata only, never the data.
type secretInspect struct {
	ID        string            `json:"ID"`
	CreatedAt time.Time         `json:"CreatedAt"`
	UpdatedAt time.Time         `json:"UpdatedAt"`
	Spec      secretInspectSpec `json:"Spec"`
}

type secretInspectSpec struct {
	Name   string            `json:"Name"`
	Driver secretDriver      `json:"Driver"`
	Labels map[string]string `json:"Labels"`
}

type secretDriver struct {
	Name    string            `json:"Name"`
	Options map[string]string `json:"Options"`
}

func secretInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show the metadata of secrets (never their data)",
		ArgsUsage: "SECRET...\n\nEXAMPLE:\n   skiff secret inspect --format '{{.Spec.Name}}' dbpass",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go `TEMPLATE` per secret"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("secret inspect: name at least one secret")
			}
			var tmpl *report.Template
			if f := c.String("format"); f != "" {
				var err error
				if tmpl, err = report.Parse(f, nil); err != nil {
					return err
				}
			}
			st, _, done, err := openSecrets(c)
			if err != nil {
				return err
			}
			defer done()
			var out []secretInspect
			var errs []error
			for _, name := range c.Args().Slice() {
				s, err := st.Get(name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				labels := s.Labels
				if labels == nil {
					labels = map[string]string{}
				}
				out = append(out, secretInspect{ID: s.ID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
					Spec: secretInspectSpec{Name: s.Name, Labels: labels,
						Driver: secretDriver{Name: s.Driver, Options: map[string]string{"path": st.DataPath()}}}})
			}
			if tmpl != nil {
				for _, d := range out {
					if err := tmpl.ExecuteOne(c.App.Writer, d); err != nil {
						return err
					}
				}
			} else {
				if out == nil {
					out = []secretInspect{}
				}
				b, err := json.MarshalIndent(out, "", "    ")
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, string(b))
			}
			for _, e := range errs[min(1, len(errs)):] {
				fmt.Fprintln(os.Stderr, "Error:", e)
			}
			if len(errs) > 0 {
				return errs[0]
			}
			return nil
		},
	}
}
