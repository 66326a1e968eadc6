package main

import (
	"encoding/json"
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/report"
)

func podInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print the details of pods as JSON or through a template",
		ArgsUsage: "POD [POD...]\n\nEXAMPLE:\n   skiff pod inspect --format '{{.State}}' web",
		Flags:     []cli.Flag{inspectFormatFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("pod inspect: no pod given: use skiff pod inspect POD [POD...]")
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
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			var data []any
			var errs []error
			for _, name := range c.Args().Slice() {
				d, err := pe.Inspect(name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				data = append(data, d)
			}
			switch {
			case tmpl != nil:
				err = tmpl.Execute(c.App.Writer, data)
			case len(data) == 0:
			default:
				// Podman 4's layout: one pod is printed as an object, several as a list.
				var v any = data
				if c.NArg() == 1 {
					v = data[0]
				}
				enc := json.NewEncoder(c.App.Writer)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "     ")
				err = enc.Encode(v)
			}
			if err != nil {
				return err
			}
			if len(errs) > 0 {
				return multiError(c, errs)
			}
			return nil
		},
	}
}
