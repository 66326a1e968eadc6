package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func podTopCommand() *cli.Command {
	return &cli.Command{
		Name:      "top",
		Usage:     "list the processes of a pod's running containers",
		ArgsUsage: "POD [DESCRIPTOR...]\n\nDESCRIPTORS: user pid ppid pcpu etime tty time args comm uid gid group nice state rss vsz\n\nEXAMPLE:\n   skiff pod top web pid args",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("pod top: no pod given: use skiff pod top POD [DESCRIPTOR...]")
			}
			var descs []string
			for _, d := range c.Args().Tail() {
				descs = append(descs, strings.Split(d, ",")...)
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			rows, err := pe.Top(c.Args().First(), descs)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 3, ' ', 0)
			for _, r := range rows {
				fmt.Fprintln(tw, strings.Join(r, "\t"))
			}
			return tw.Flush()
		},
	}
}
