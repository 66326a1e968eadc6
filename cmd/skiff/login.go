package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "log in to a registry and store the credentials in the auth file",
		ArgsUsage: "REGISTRY\n\nEXAMPLE:\n   echo \"$TOKEN\" | skiff login -u me --password-stdin quay.io",
		Flags: append(registryFlags(),
			&cli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "user `NAME`"},
			&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "`PASSWORD` (visible to other users in the process list: prefer --password-stdin)"},
			&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input"},
			&cli.BoolFlag{Name: "get-login", Usage: "print the user name stored for the registry"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("login takes exactly one registry, e.g. skiff login quay.io")
			}
			sys, err := systemOptions(c)
			if err != nil {
				return err
			}
			opts := image.LoginOptions{
				System:   sys,
				Registry: c.Args().First(),
				Username: c.String("username"),
				Password: c.String("password"),
				Out:      c.App.Writer,
			}
			if c.Bool("get-login") {
				user, err := image.GetLogin(opts)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, user)
				return nil
			}
			if c.Bool("password-stdin") {
				if opts.Password != "" {
					return fmt.Errorf("login: use --password or --password-stdin, not both")
				}
				if opts.Username == "" {
					return fmt.Errorf("login: --password-stdin needs --username")
				}
				b, err := io.ReadAll(os.Stdin)
				if err != nil {
					return fmt.Errorf("login: read password from standard input: %w", err)
				}
				opts.Password = strings.TrimRight(string(b), "\r\n")
			}
			opts.Prompt = func(stored string, needUser, needPass bool) (string, string, error) {
				return promptLogin(c, stored, needUser, needPass)
			}
			return image.Login(c.Context, opts)
		},
	}
}

// promptLogin asks for what login is missing on the terminal, offering the stored user name.
func promptLogin(c *cli.Context, stored string, needUser, needPass bool) (user, pass string, err error) {
	in := bufio.NewReader(os.Stdin)
	if needUser {
		if stored != "" {
			fmt.Fprintf(c.App.Writer, "Username (%s): ", stored)
		} else {
			fmt.Fprint(c.App.Writer, "Username: ")
		}
		line, err := in.ReadString('\n')
		if err != nil {
			return "", "", fmt.Errorf("read user name: %w (hint: pass -u)", err)
		}
		if user = strings.TrimSpace(line); user == "" {
			user = stored
		}
	}
	if needPass {
		if pass, err = readPassword(c); err != nil {
			return "", "", err
		}
	}
	return user, pass, nil
}
