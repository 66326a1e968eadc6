package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

func startCommand() *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "start one or more created or stopped containers",
		ArgsUsage: "CONTAINER [CONTAINER...]\n\nEXAMPLE:\n   skiff start -a web",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "attach", Aliases: []string{"a"}, Usage: "attach the output and wait for the exit; the exit code is the container's"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "attach stdin too"},
			&cli.StringFlag{Name: "detach-keys", Value: container.DefaultDetachKeys, Usage: "key `SEQUENCE` that detaches from the container"},
			&cli.BoolFlag{Name: "sig-proxy", Value: true, Usage: "forward the signals skiff receives to the container (with --attach)"},
			&cli.BoolFlag{Name: "all", Usage: "start every container that is not running"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "start only the containers matching `KEY=VALUE` (as ps --filter)"},
		},
		Action: func(c *cli.Context) error {
			all := c.Bool("all")
			switch {
			case all && c.NArg() > 0:
				return errors.New("start: --all and container names cannot be combined")
			case !all && c.NArg() == 0:
				return errors.New("start: no container given: use skiff start CONTAINER or --all")
			}
			attach := c.Bool("attach")
			if attach && (c.NArg() > 1 || all) {
				return errors.New("start --attach takes exactly one container")
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
			o := container.StartOptions{
				Attach:      attach,
				Interactive: c.Bool("interactive"),
				AttachOpts: container.AttachOptions{
					Streams:    container.Streams{In: os.Stdin, Out: c.App.Writer, Err: c.App.ErrWriter},
					DetachKeys: keys,
					SigProxy:   c.Bool("sig-proxy"),
				},
			}
			names, err := filterTargets(e, c.Args().Slice(), all, c.StringSlice("filter"), false)
			if err != nil {
				return err
			}
			var errs []error
			for _, name := range names {
				_, code, err := e.Start(c.Context, name, o)
				if errors.Is(err, container.ErrDetached) {
					return nil
				}
				if err != nil {
					if attach {
						return commandFailed(err)
					}
					errs = append(errs, err)
					continue
				}
				if attach {
					return withCode(code, nil)
				}
				fmt.Fprintln(c.App.Writer, name)
			}
			return multiError(c, errs)
		},
	}
}

// multiError prints all but the last of errs and returns the last (main prints it), so a verb working
// on several containers reports every failure and exits 125 if any failed, as Podman does.
func multiError(c *cli.Context, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintf(c.App.ErrWriter, "Error: %v\n", e)
	}
	return errs[len(errs)-1]
}
