package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "create and start a container; in the foreground its exit code is skiff's",
		ArgsUsage: "IMAGE [COMMAND [ARG...]]\n\nEXAMPLE:\n   skiff run --rm -it localhost:5000/busybox sh",
		Flags: append(createFlags(),
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run in the background and print the container ID"},
			&cli.StringFlag{Name: "detach-keys", Value: container.DefaultDetachKeys, Usage: "key `SEQUENCE` that detaches from the container (\"\" disables it)"},
			&cli.BoolFlag{Name: "sig-proxy", Value: true, Usage: "forward the signals skiff receives to the container"},
			&cli.StringSliceFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach only `STREAM` (stdin, stdout or stderr; repeatable)"},
			&cli.UintFlag{Name: "preserve-fds", Usage: "pass skiff's file descriptors 3 to 3+`N`-1 to the container"},
		),
		Action: func(c *cli.Context) error {
			o, err := createOptions(c)
			if err != nil {
				return err
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
			ro := container.RunOptions{
				Create: o,
				Detach: c.Bool("detach"),
				Attach: container.AttachOptions{
					Streams:    container.Streams{In: os.Stdin, Out: c.App.Writer, Err: c.App.ErrWriter},
					DetachKeys: keys,
					SigProxy:   c.Bool("sig-proxy"),
				},
			}
			if err := attachStreams(c, &ro); err != nil { // run_attach.go
				return err
			}
			if err := preserveFDs(c, &ro); err != nil {
				return err
			}
			undo, err := joinPod(c, e, &ro.Create) // --pod (pod_join.go)
			if err != nil {
				return err
			}
			ctr, code, err := e.Run(c.Context, ro)
			if err != nil && ctr == nil {
				undo()
			}
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return commandFailed(err)
			}
			if ro.Detach {
				fmt.Fprintln(c.App.Writer, ctr.ID)
				return nil
			}
			return withCode(code, nil)
		},
	}
}
