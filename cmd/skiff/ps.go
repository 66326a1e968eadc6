package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/report"
)

func psCommand() *cli.Command { return psCommandNamed("ps", nil) }

// psCommandNamed is ps under another name: `skiff container ls`.
func psCommandNamed(name string, aliases []string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Aliases:   aliases,
		Usage:     "list containers (running ones unless -a)",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff ps -a --filter status=exited --format '{{.Names}} {{.Status}}'",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show every container, not only running ones"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the IDs"},
			&cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "show only the most recently created container"},
			&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: -1, Usage: "show the `N` most recently created containers"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not shorten IDs and commands"},
			&cli.BoolFlag{Name: "size", Aliases: []string{"s"}, Usage: "show the size of each container's writable layer"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "keep containers matching `KEY=VALUE` (name, id, status, label, ancestor, restart-policy)"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` for each row, \"table ...\" or json"},
			&cli.BoolFlag{Name: "noheading", Usage: "do not print the column headers"},
			&cli.BoolFlag{Name: "pod", Aliases: []string{"p"}, Usage: "add the ID and the name of each container's pod"},
			&cli.StringFlag{Name: "sort", Value: "created", Usage: "sort by `FIELD`: command, created, id, image, names, runningfor, size or status"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("ps takes no arguments, got %q", c.Args().First())
			}
			o := view.ListOptions{
				All:     c.Bool("all"),
				Filters: c.StringSlice("filter"),
				Size:    c.Bool("size"),
				NoTrunc: c.Bool("no-trunc"),
			}
			if n := c.Int("last"); n > 0 {
				o.Last, o.All = n, true
			}
			if c.Bool("latest") {
				o.Last, o.All = 1, true
			}
			format := c.String("format")
			var tmpl *report.Template
			if format != "" {
				var err error
				if tmpl, err = report.Parse(format, psHeaders); err != nil {
					return err
				}
			}
			less, err := psSorter(c.String("sort"))
			if err != nil {
				return err
			}
			if c.String("sort") == "size" {
				o.Size = true // sizes are computed only when asked for
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			rows, err := view.List(e, o)
			if err != nil {
				return err
			}
			sort.SliceStable(rows, func(i, j int) bool { return less(&rows[i], &rows[j]) })
			if c.Bool("quiet") {
				for _, r := range rows {
					fmt.Fprintln(c.App.Writer, r.ID)
				}
				return nil
			}
			if tmpl == nil {
				f := "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
				if c.Bool("pod") {
					f += "\t{{.Pod}}\t{{.PodName}}"
				}
				if c.Bool("size") {
					f += "\t{{.Size}}"
				}
				if c.Bool("noheading") {
					f = strings.TrimPrefix(f, "table ")
				}
				if tmpl, err = report.Parse(f, psHeaders); err != nil {
					return err
				}
				if c.Bool("noheading") {
					// Keep the table's alignment without its header.
					tmpl, err = report.Parse("table "+f, psHeaders)
					if err != nil {
						return err
					}
					return executeNoHeader(c, tmpl, rows)
				}
			}
			return tmpl.Execute(c.App.Writer, psData(rows))
		},
	}
}

// psHeaders are Podman's column names for ps fields.
var psHeaders = map[string]string{
	"ID":           "CONTAINER ID",
	"CreatedHuman": "CREATED",
	"CreatedAt":    "CREATED AT",
	"RunningFor":   "CREATED",
	"Names":        "NAMES",
	"Image":        "IMAGE",
	"ImageID":      "IMAGE ID",
	"Pod":          "POD ID",
	"PodName":      "PODNAME",
}

// psSorter returns the order of ps --sort FIELD (Podman's fields; created is newest first).
func psSorter(field string) (func(a, b *view.Row) bool, error) {
	switch field {
	case "command":
		return func(a, b *view.Row) bool { return a.Command < b.Command }, nil
	case "created", "":
		return func(a, b *view.Row) bool { return a.Created > b.Created }, nil
	case "id":
		return func(a, b *view.Row) bool { return a.ID < b.ID }, nil
	case "image":
		return func(a, b *view.Row) bool { return a.Image < b.Image }, nil
	case "names":
		return func(a, b *view.Row) bool { return a.Names < b.Names }, nil
	case "runningfor":
		return func(a, b *view.Row) bool { return a.StartedAt > b.StartedAt }, nil
	case "size":
		return func(a, b *view.Row) bool { return a.SizeRw < b.SizeRw }, nil
	case "status":
		return func(a, b *view.Row) bool { return a.State < b.State }, nil
	}
	return nil, fmt.Errorf("ps --sort %q: want command, created, id, image, names, runningfor, size or status", field)
}

// executeNoHeader renders a table and drops its first line.
func executeNoHeader(c *cli.Context, tmpl *report.Template, rows []view.Row) error {
	var b strings.Builder
	if err := tmpl.Execute(&b, psData(rows)); err != nil {
		return err
	}
	_, rest, _ := strings.Cut(b.String(), "\n")
	_, err := fmt.Fprint(c.App.Writer, rest)
	return err
}

// psRow is what a ps template sees: the row, with {{.State}} and {{.Status}} in Podman 4's words ("Up 5
// seconds ago"); JSON keeps the row's fields ("State": "running").
type psRow struct {
	view.Row
	now time.Time
}

// State is the container's state in Podman's human form.
func (r psRow) State() string { return view.StateText(&r.Row, r.now) }

// Status is State with the health check's state, as in Podman 4: "Up 5 seconds ago (healthy)".
func (r psRow) Status() string {
	if r.Health != "" {
		return r.State() + " (" + r.Health + ")"
	}
	return r.State()
}

func psData(rows []view.Row) []any {
	now := time.Now()
	data := make([]any, len(rows))
	for i := range rows {
		data[i] = psRow{Row: rows[i], now: now}
	}
	return data
}
