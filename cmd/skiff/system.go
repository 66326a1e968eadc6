package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/system"
)

func systemCommand() *cli.Command {
	return &cli.Command{
		Name:  "system",
		Usage: "manage skiff's own state",
		Subcommands: []*cli.Command{
			infoCommand(),
			systemResetCommand(),
			systemCheckCommand(),
			systemDFCommand(),
			systemPruneCommand(),
			systemServiceCommand(),
		},
	}
}

func systemResetCommand() *cli.Command {
	return &cli.Command{
		Name:      "reset",
		Usage:     "remove all of the user's containers, images and skiff state, and stop the pause process",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff system reset -f",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("system reset takes no arguments, got %q", c.Args().First())
			}
			if !c.Bool("force") {
				ok, err := confirm(c, "WARNING! This will remove:\n        - all containers\n        - all pods\n        - all images\n        - all networks\n        - all volumes\n        - all of skiff's state\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			return system.Reset(store)
		},
	}
}

// confirm asks a yes/no question on a terminal. Without a terminal it refuses, naming the flag to use.
func confirm(c *cli.Context, question string) (bool, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return false, fmt.Errorf("%s: refusing to ask for confirmation without a terminal (hint: pass --force)", c.Command.FullName())
	}
	fmt.Fprint(c.App.Writer, question)
	answer, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		return false, fmt.Errorf("read answer: %w", err)
	}
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes", nil
}
