package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/events"
	"github.com/skiffproject/skiff/report"
)

func eventsCommand() *cli.Command {
	return &cli.Command{
		Name:      "events",
		Usage:     "show what happens to containers (create, init, start, died, remove, …)",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff events --stream=false --since 10m --filter event=died",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "keep events matching `KEY=VALUE` (container, event, image, label, type)"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` per event, or json"},
			&cli.StringFlag{Name: "since", Usage: "show events from `TIME` on (RFC 3339, Unix seconds or a duration before now)"},
			&cli.StringFlag{Name: "until", Usage: "show events up to `TIME`"},
			&cli.BoolFlag{Name: "stream", Value: true, Usage: "wait for new events (false: print the past ones and exit)"},
			&cli.BoolFlag{Name: "no-trunc", Value: true, Usage: "show whole IDs"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("events takes no arguments, got %q (use --filter container=%s)", c.Args().First(), c.Args().First())
			}
			f, err := events.ParseFilters(c.StringSlice("filter"))
			if err != nil {
				return err
			}
			o := events.ReadOptions{Filter: f, Stream: c.Bool("stream")}
			now := time.Now()
			for _, t := range []struct {
				flag string
				dst  *time.Time
			}{{"since", &o.Since}, {"until", &o.Until}} {
				if v := c.String(t.flag); v != "" {
					if *t.dst, err = container.ParseTime(v, now); err != nil {
						return fmt.Errorf("--%s: %w", t.flag, err)
					}
				}
			}
			var tmpl *report.Template
			if format := c.String("format"); format != "" {
				if tmpl, err = report.Parse(format, nil); err != nil {
					return err
				}
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			return e.Events().Read(c.Context, o, func(ev events.Event) error {
				if !c.Bool("no-trunc") && len(ev.ID) > 12 {
					ev.ID = ev.ID[:12]
				}
				if tmpl != nil && tmpl.IsJSON() {
					// One object per line, as Podman prints them.
					b, err := json.Marshal(ev)
					if err != nil {
						return err
					}
					_, err = fmt.Fprintf(c.App.Writer, "%s\n", b)
					return err
				}
				if tmpl != nil {
					return tmpl.ExecuteOne(c.App.Writer, ev)
				}
				_, err := fmt.Fprintln(c.App.Writer, ev.String())
				return err
			})
		},
	}
}
