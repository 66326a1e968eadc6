package main

import (
	"errors"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func attachCommand() *cli.Command {
	return &cli.Command{
		Name:      "attach",
		Usage:     "attach to a running container's input and output; the exit code is the container's",
		ArgsUsage: "CONTAINER\n\nEXAMPLE:\n   skiff attach --detach-keys ctrl-x web",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "detach-keys", Value: container.DefaultDetachKeys, Usage: "key `SEQUENCE` that detaches (\"\" disables it)"},
			&cli.BoolFlag{Name: "no-stdin", Usage: "do not attach stdin"},
			&cli.BoolFlag{Name: "sig-proxy", Value: true, Usage: "forward the signals skiff receives to the container"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("attach takes exactly one container")
			}
			keys, err := container.DetachKeys(c.String("detach-keys"))
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			code, err := e.Attach(c.Context, c.Args().First(), container.AttachOptions{
				Streams:    container.Streams{In: os.Stdin, Out: c.App.Writer, Err: c.App.ErrWriter},
				DetachKeys: keys,
				NoStdin:    c.Bool("no-stdin"),
				SigProxy:   c.Bool("sig-proxy"),
			})
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return err
			}
			return withCode(code, nil)
		},
	}
}
