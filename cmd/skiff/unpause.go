package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
)

func unpauseCommand() *cli.Command {
	return &cli.Command{
		Name:      "unpause",
		Usage:     "thaw paused containers",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff unpause web",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "unpause every paused container"}},
		Action: func(c *cli.Context) error {
			names, err := targets(c, c.Bool("all"), nil)
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			if c.Bool("all") {
				rows, err := view.List(e, view.ListOptions{NoTrunc: true, Filters: []string{"status=paused"}})
				if err != nil {
					return err
				}
				for _, r := range rows {
					names = append(names, r.ID)
				}
			}
			return eachContainer(c, names, func(name string) error {
				_, err := e.Unpause(c.Context, name)
				return err
			})
		},
	}
}
