package main

import (
	"io"

	"github.com/skiffproject/skiff/report"
)

// printTemplate renders one value with a --format template.
func printTemplate(w io.Writer, format string, v any) error {
	t, err := report.Parse(format, nil)
	if err != nil {
		return err
	}
	return t.ExecuteOne(w, v)
}
