package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
)

func topCommand() *cli.Command {
	return &cli.Command{
		Name:      "top",
		Usage:     "list the processes of a running container",
		ArgsUsage: "CONTAINER [DESCRIPTOR...]\n\nDESCRIPTORS: user pid ppid pcpu etime tty time args comm uid gid group nice state rss vsz\n\nEXAMPLE:\n   skiff top web pid args",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("top: no container given: use skiff top CONTAINER [DESCRIPTOR...]")
			}
			descs := topDescriptors(c)
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			rows, err := view.Top(e, c.Args().First(), descs)
			if err != nil {
				return err
			}
			return printTopRows(c, rows)
		},
	}
}

// topDescriptors returns the ps descriptors after the container or pod, split at commas as Podman does.
func topDescriptors(c *cli.Context) []string {
	var descs []string
	for _, d := range c.Args().Tail() {
		descs = append(descs, strings.Split(d, ",")...)
	}
	return descs
}

// printTopRows prints top's rows (the header first) in aligned columns.
func printTopRows(c *cli.Context, rows [][]string) error {
	tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 3, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
