package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/image"
)

func logoutCommand() *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "remove a registry's credentials from the auth file",
		ArgsUsage: "REGISTRY\n\nEXAMPLE:\n   skiff logout quay.io",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "authfile", Usage: "credentials `FILE` (default: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json)"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove the credentials of every registry"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("all") != (c.NArg() == 0) || c.NArg() > 1 {
				return fmt.Errorf("logout takes exactly one registry, or --all without one")
			}
			return image.Logout(image.LogoutOptions{
				System:   image.SystemOptions{AuthFile: c.String("authfile")},
				Registry: c.Args().First(),
				All:      c.Bool("all"),
				Out:      c.App.Writer,
			})
		},
	}
}
