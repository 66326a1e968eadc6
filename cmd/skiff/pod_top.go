package main

import (
	"errors"

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
			descs := topDescriptors(c)
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			rows, err := pe.Top(c.Args().First(), descs)
			if err != nil {
				return err
			}
			return printTopRows(c, rows)
		},
	}
}
