package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/containers/storage"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/report"
)

// inspector finds one kind of object by name and returns what inspect prints for it. A miss must wrap
// that kind's "not known" sentinel (storage.ErrImageUnknown, storage.ErrContainerUnknown, …).
type inspector struct {
	kind string
	find func(c *cli.Context, store storage.Store, name string) (any, error)
}

// inspectors lists the kinds `skiff inspect` knows, in the order --type all tries them. Containers
// will sit in front of images, as in Podman.
func inspectors() []inspector {
	return []inspector{
		containerInspector(),
		{kind: "image", find: func(c *cli.Context, store storage.Store, name string) (any, error) {
			return image.Inspect(c.Context, store, name)
		}},
	}
}

// isMiss reports whether err means "no object of that kind has that name".
func isMiss(err error) bool {
	return errors.Is(err, storage.ErrImageUnknown) || errors.Is(err, storage.ErrContainerUnknown)
}

// inspectCommand is the top-level `skiff inspect`, for any kind of object.
func inspectCommand() *cli.Command {
	var kinds []string
	for _, i := range inspectors() {
		kinds = append(kinds, i.kind)
	}
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print the low-level details of objects as JSON or through a template",
		ArgsUsage: "NAME [NAME...]\n\nEXAMPLE:\n   skiff inspect --format '{{.Config.Env}}' alpine",
		Flags: []cli.Flag{
			inspectFormatFlag(),
			&cli.StringFlag{Name: "type", Aliases: []string{"t"}, Value: "all", Usage: "kind of object: " + strings.Join(kinds, ", ") + " or all"},
		},
		Action: func(c *cli.Context) error { return runInspect(c, c.String("type")) },
	}
}

// imageInspectCommand is `skiff image inspect`.
func imageInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print the low-level details of images as JSON or through a template",
		ArgsUsage: "IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff image inspect --format '{{.Digest}}' localhost:5000/busybox",
		Flags:     []cli.Flag{inspectFormatFlag()},
		Action:    func(c *cli.Context) error { return runInspect(c, "image") },
	}
}

func inspectFormatFlag() cli.Flag {
	return &cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go `TEMPLATE` applied to each object, or json"}
}

// idField is Docker's spelling of the ID field in templates; the data has Podman's .ID.
var idField = regexp.MustCompile(`{{\s*\.Id\s*}}`)

func runInspect(c *cli.Context, kind string) error {
	if c.NArg() == 0 {
		return fmt.Errorf("%s: no names or IDs given", c.Command.HelpName)
	}
	var use []inspector
	var kinds []string
	for _, i := range inspectors() {
		kinds = append(kinds, fmt.Sprintf("%q", i.kind))
		if kind == "all" || kind == i.kind {
			use = append(use, i)
		}
	}
	if len(use) == 0 {
		return fmt.Errorf("invalid type %q: must be %s or \"all\"", kind, strings.Join(kinds, ", "))
	}
	var tmpl *report.Template
	if f := c.String("format"); f != "" {
		t, err := report.Parse(idField.ReplaceAllString(f, "{{.ID}}"), nil)
		if err != nil {
			return err
		}
		if !t.IsJSON() {
			tmpl = t
		}
	}
	store, err := openStore(c)
	if err != nil {
		return err
	}
	defer func() { _, _ = store.Shutdown(false) }()

	data := []any{}
	var errs []error
	for _, name := range c.Args().Slice() {
		v, err := findObject(c, store, use, name, kind == "all")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		data = append(data, v)
	}
	if tmpl != nil {
		err = tmpl.Execute(c.App.Writer, data)
	} else {
		// Podman's layout: five-space indent, "<" and ">" left as they are.
		enc := json.NewEncoder(c.App.Writer)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "     ")
		err = enc.Encode(data)
	}
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[1:] {
		fmt.Fprintf(c.App.ErrWriter, "Error: %v\n", e)
	}
	return errs[0]
}

// findObject asks each inspector in turn. With several kinds a name none of them knows is Podman's
// `no such object: "NAME"`; with one kind it is that kind's own error ("NAME: image not known").
func findObject(c *cli.Context, store storage.Store, use []inspector, name string, anyKind bool) (any, error) {
	var last error
	for _, i := range use {
		v, err := i.find(c, store, name)
		if err == nil {
			return v, nil
		}
		if !isMiss(err) {
			return nil, err
		}
		last = err
	}
	if anyKind {
		return nil, fmt.Errorf("no such object: %q", name)
	}
	return nil, last
}
