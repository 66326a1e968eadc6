package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
)

// addLatest gives every verb whose first argument is a container (its ArgsUsage starts with CONTAINER)
// Podman's -l/--latest: the most recently created container stands for that argument. It is added here,
// once, so verbs added later get it too; a verb that defines latest (or -l) itself keeps its own.
func addLatest(cmd *cli.Command) {
	first, _, _ := strings.Cut(cmd.ArgsUsage, "\n")
	if cmd.Action == nil || cmd.Hidden || !strings.HasPrefix(strings.TrimLeft(first, "["), "CONTAINER") ||
		strings.HasPrefix(first, "CONTAINER|") || lookupFlag(cmd.Flags, "latest") != nil || lookupFlag(cmd.Flags, "l") != nil {
		return
	}
	cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "act on the most recently created container instead of a named one"})
	// Verbs whose other arguments are containers too (rm CONTAINER [CONTAINER...]) take no names with
	// --latest; the others (exec's command, top's descriptors, rename's new name) keep theirs.
	onlyContainers := true
	for _, arg := range strings.Fields(first)[1:] {
		if !strings.Contains(arg, "CONTAINER") {
			onlyContainers = false
		}
	}
	action := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if !c.Bool("latest") {
			return action(c)
		}
		if c.NArg() > 0 && onlyContainers {
			return fmt.Errorf("%s: --latest and container names cannot be combined", c.Command.HelpName)
		}
		id, err := latestContainer(c)
		if err != nil {
			return err
		}
		// The same flags, with the container's ID as the first argument.
		set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
		if err := set.Parse(append([]string{"--", id}, c.Args().Slice()...)); err != nil {
			return err
		}
		nc := cli.NewContext(c.App, set, c)
		nc.Command = c.Command
		return action(nc)
	}
}

// latestContainer returns the ID of the most recently created container.
func latestContainer(c *cli.Context) (string, error) {
	e, done, err := openEngine(c)
	if err != nil {
		return "", err
	}
	defer done()
	rows, err := view.List(e, view.ListOptions{All: true, Last: 1, NoTrunc: true})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", errors.New("--latest: there are no containers")
	}
	return rows[0].ID, nil
}
