package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func secretRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "remove secrets no container uses",
		ArgsUsage: "SECRET...\n\nEXAMPLE:\n   skiff secret rm dbpass",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every secret"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 && !c.Bool("all") {
				return errors.New("secret rm: name at least one secret, or use --all")
			}
			if c.NArg() > 0 && c.Bool("all") {
				return errors.New("secret rm: --all takes no names")
			}
			st, inUse, done, err := openSecrets(c)
			if err != nil {
				return err
			}
			defer done()
			names := c.Args().Slice()
			if c.Bool("all") {
				list, err := st.List()
				if err != nil {
					return err
				}
				for _, s := range list {
					names = append(names, s.ID)
				}
			}
			var first error
			for _, n := range names {
				s, err := st.Remove(n, inUse)
				if err != nil {
					if first == nil {
						first = err
					} else {
						fmt.Fprintln(os.Stderr, "Error:", err)
					}
					continue
				}
				fmt.Fprintln(c.App.Writer, s.ID)
			}
			return first
		},
	}
}
