package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/pods"
)

// podCommand is the `skiff pod` noun: groups of containers that share namespaces (package pods).
func podCommand() *cli.Command {
	return &cli.Command{
		Name:  "pod",
		Usage: "manage pods: containers that share network, IPC and UTS namespaces",
		Subcommands: []*cli.Command{
			podCreateCommand(),
			podExistsCommand(),
			podInspectCommand(),
			podKillCommand(),
			podLogsCommand(),
			podPauseCommand(),
			podPruneCommand(),
			podPsCommand(),
			podRestartCommand(),
			podRmCommand(),
			podStartCommand(),
			podStopCommand(),
			podTopCommand(),
			podUnpauseCommand(),
		},
	}
}

// openPods opens the store and returns the pod engine; done closes the store.
func openPods(c *cli.Context) (*pods.Engine, func(), error) {
	e, done, err := openEngine(c)
	if err != nil {
		return nil, nil, err
	}
	return pods.New(e), done, nil
}

// podAllFlag is --all of the pod verbs that act on several pods.
func podAllFlag(verb string) cli.Flag {
	return &cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: verb + " every pod"}
}

// podTargets returns the pods a verb acts on: its arguments, or every pod with --all.
func podTargets(c *cli.Context, pe *pods.Engine) ([]string, error) {
	names := c.Args().Slice()
	all := c.Bool("all")
	switch {
	case all && len(names) > 0:
		return nil, fmt.Errorf("%s: --all and pod names cannot be combined", c.Command.HelpName)
	case !all && len(names) == 0:
		return nil, fmt.Errorf("%s: no pod given: use %s POD [POD...] or --all", c.Command.HelpName, c.Command.HelpName)
	case !all:
		return names, nil
	}
	vs, err := pe.All()
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		names = append(names, v.ID)
	}
	return names, nil
}

// checkPodArgs fails early, before the store is opened, when a verb that needs pods got none.
func checkPodArgs(c *cli.Context) error {
	if c.NArg() == 0 && !c.Bool("all") {
		return fmt.Errorf("%s: no pod given: use %s POD [POD...] or --all", c.Command.HelpName, c.Command.HelpName)
	}
	if c.NArg() > 0 && c.Bool("all") {
		return fmt.Errorf("%s: --all and pod names cannot be combined", c.Command.HelpName)
	}
	return nil
}

// eachPod runs fn on every target pod and prints the ID of each it succeeded on, as Podman's pod verbs
// do. A pod that does not exist makes the exit code notFound (Podman: 1 for rm, 125 otherwise).
func eachPod(c *cli.Context, notFound int, fn func(pe *pods.Engine, name string) (*pods.View, error)) error {
	if err := checkPodArgs(c); err != nil {
		return err
	}
	pe, done, err := openPods(c)
	if err != nil {
		return err
	}
	defer done()
	names, err := podTargets(c, pe)
	if err != nil {
		return err
	}
	var errs []error
	code := exitEngine
	for _, name := range names {
		v, err := fn(pe, name)
		if err != nil {
			if errors.Is(err, pods.ErrNoSuchPod) {
				if c.Bool("ignore") {
					continue
				}
				code = notFound
			}
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(c.App.Writer, v.ID)
	}
	if err := multiError(c, errs); err != nil {
		return withCode(code, err)
	}
	return nil
}
