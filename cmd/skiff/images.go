package main

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/report"
)

// imagesCommand is the top-level `skiff images`.
func imagesCommand() *cli.Command { return imageListCommand("images", nil) }

// imageListCommand builds `images` and `image ls`; they differ only in name.
func imageListCommand(name string, aliases []string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Aliases:   aliases,
		Usage:     "list the images in local storage",
		ArgsUsage: "[IMAGE]\n\nEXAMPLE:\n   skiff images --filter dangling=true --format '{{.ID}} {{.Size}}'",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "also show intermediate images"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only image IDs"},
			&cli.BoolFlag{Name: "digests", Usage: "show the DIGEST column"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "print full image IDs"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "do not print the column headings"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "keep images matching `KEY=VALUE` (" + strings.Join(image.FilterKeys, ", ") + ")"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` per row, \"table TEMPLATE\", or json"},
			&cli.BoolFlag{Name: "history", Usage: "add the HISTORY column: the names each image had"},
			&cli.StringFlag{Name: "sort", Value: "created", Usage: "sort by `FIELD`: created (newest first), id, repository, size or tag"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("%s takes at most one image, got %d", c.Command.HelpName, c.NArg())
			}
			opts := image.ListOptions{All: c.Bool("all"), Filters: c.StringSlice("filter")}
			if c.NArg() == 1 {
				if len(opts.Filters) > 0 {
					return fmt.Errorf("%s: give an image or --filter, not both (use --filter reference=%s)", c.Command.HelpName, c.Args().First())
				}
				opts.Filters = []string{"reference=" + c.Args().First()}
			}
			tmpl, err := imagesTemplate(c)
			if err != nil {
				return err
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			sums, err := image.List(c.Context, store, opts)
			if err != nil {
				return err
			}
			switch key := c.String("sort"); key {
			case "created":
				// image.List's order
			case "id":
				sort.SliceStable(sums, func(i, j int) bool { return sums[i].ID < sums[j].ID })
			case "size":
				sort.SliceStable(sums, func(i, j int) bool { return sums[i].Size < sums[j].Size })
			case "repository", "tag":
			default:
				return fmt.Errorf("%s --sort %q: want created, id, repository, size or tag", c.Command.HelpName, key)
			}
			switch {
			case tmpl.IsJSON():
				return tmpl.Execute(c.App.Writer, anys(sums))
			case c.Bool("quiet"):
				for _, id := range image.QuietIDs(sums, c.Bool("no-trunc")) {
					fmt.Fprintln(c.App.Writer, id)
				}
				return nil
			}
			if !c.IsSet("format") && slices.ContainsFunc(sums, func(s image.Summary) bool { return s.ReadOnly }) {
				// Images of a shared read-only store are marked, as Podman does, in an R/O column.
				if tmpl, err = report.Parse(defaultImagesFormat(c)+"\t{{.ReadOnly}}", image.ListHeaders); err != nil {
					return err
				}
			}
			list := image.Rows(sums, c.Bool("no-trunc"))
			switch c.String("sort") {
			case "repository":
				sort.SliceStable(list, func(i, j int) bool { return list[i].Repository < list[j].Repository })
			case "tag":
				sort.SliceStable(list, func(i, j int) bool { return list[i].Tag < list[j].Tag })
			}
			rows := anys(list)
			if !c.Bool("noheading") {
				return tmpl.Execute(c.App.Writer, rows)
			}
			return executeWithoutHeader(c, tmpl, rows)
		},
	}
}

// imagesTemplate is --format, or Podman's default table.
func imagesTemplate(c *cli.Context) (*report.Template, error) {
	format := c.String("format")
	if !c.IsSet("format") {
		format = defaultImagesFormat(c)
	}
	return report.Parse(format, image.ListHeaders)
}

// defaultImagesFormat is Podman's default table.
func defaultImagesFormat(c *cli.Context) string {
	cols := []string{"{{.Repository}}", "{{.Tag}}"}
	if c.Bool("digests") {
		cols = append(cols, "{{.Digest}}")
	}
	cols = append(cols, "{{.ID}}", "{{.Created}}", "{{.Size}}")
	if c.Bool("history") {
		cols = append(cols, "{{.History}}")
	}
	return "table " + strings.Join(cols, "\t")
}

// executeWithoutHeader renders a table template and drops its header line (--noheading).
func executeWithoutHeader(c *cli.Context, tmpl *report.Template, rows []any) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, rows); err != nil {
		return err
	}
	out := buf.Bytes()
	if strings.HasPrefix(strings.TrimSpace(c.String("format")), "table") || !c.IsSet("format") {
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			out = out[i+1:]
		}
	}
	_, err := c.App.Writer.Write(out)
	return err
}

// anys converts a typed slice for report.Template.Execute.
func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i := range s {
		out[i] = s[i]
	}
	return out
}
