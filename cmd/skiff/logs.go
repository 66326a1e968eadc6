package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print a container's output",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff logs --tail 10 -f web",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new output until the container exits"},
			&cli.StringFlag{Name: "tail", Value: "-1", Usage: "print only the last `N` lines (-1: all)"},
			&cli.StringFlag{Name: "since", Usage: "print lines logged since `TIME` (RFC 3339, Unix seconds or a duration such as 10m)"},
			&cli.StringFlag{Name: "until", Usage: "print lines logged until `TIME` (same forms as --since)"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "prefix each line with its time"},
			&cli.BoolFlag{Name: "names", Aliases: []string{"n"}, Usage: "prefix each line with the container's name"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("logs: no container given: use skiff logs CONTAINER")
			}
			o := container.LogsOptions{
				Follow:     c.Bool("follow"),
				Timestamps: c.Bool("timestamps"),
				Names:      c.Bool("names") || c.NArg() > 1,
				Out:        c.App.Writer,
				Err:        c.App.ErrWriter,
			}
			var err error
			if o.Tail, o.Since, o.Until, err = logWindow(c); err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			var errs []error
			for _, name := range c.Args().Slice() {
				if err := e.Logs(c.Context, name, o); err != nil {
					errs = append(errs, err)
				}
			}
			return multiError(c, errs)
		},
	}
}

// logWindow reads --tail, --since and --until, shared by container and pod logs.
func logWindow(c *cli.Context) (tail int, since, until time.Time, err error) {
	if tail, err = parseTail(c.String("tail")); err != nil {
		return
	}
	now := time.Now()
	if s := c.String("since"); s != "" {
		if since, err = container.ParseTime(s, now); err != nil {
			return tail, since, until, fmt.Errorf("--since: %w", err)
		}
	}
	if s := c.String("until"); s != "" {
		if until, err = container.ParseTime(s, now); err != nil {
			return tail, since, until, fmt.Errorf("--until: %w", err)
		}
	}
	return tail, since, until, nil
}

func parseTail(s string) (int, error) {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return 0, fmt.Errorf("--tail %q: want a number of lines (-1 for all)", s)
	}
	return n, nil
}
