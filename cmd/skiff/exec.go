package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func execCommand() *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command in a running container; the exit code is the command's",
		ArgsUsage: "CONTAINER COMMAND [ARG...]\n\nEXAMPLE:\n   skiff exec -it web sh",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep STDIN open"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment `NAME=VALUE`"},
			&cli.StringSliceFlag{Name: "env-file", Usage: "read environment variables from `FILE`"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as `USER[:GROUP]`"},
			&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working `DIR` inside the container"},
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run the command in the background"},
			&cli.BoolFlag{Name: "privileged", Usage: "give the command every capability of the user's namespace"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return fmt.Errorf("exec: want a container and a command: skiff exec CONTAINER COMMAND [ARG...]")
			}
			env, err := container.ParseEnv(c.StringSlice("env"), c.StringSlice("env-file"), os.LookupEnv)
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			code, err := e.Exec(c.Context, c.Args().First(), container.ExecOptions{
				Cmd:         c.Args().Tail(),
				Env:         env,
				User:        c.String("user"),
				WorkingDir:  c.String("workdir"),
				Interactive: c.Bool("interactive"),
				TTY:         c.Bool("tty"),
				Detach:      c.Bool("detach"),
				Privileged:  c.Bool("privileged"),
				Streams:     container.Streams{In: os.Stdin, Out: c.App.Writer, Err: c.App.ErrWriter},
			})
			if err != nil {
				return commandFailed(err)
			}
			return withCode(code, nil)
		},
	}
}
