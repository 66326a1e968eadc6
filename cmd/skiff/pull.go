package main

import (
	"fmt"
	"os"

	"github.com/containers/image/v5/types"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/image"
)

func pullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "pull images from a registry (or an oci:, docker-archive:, dir: source)",
		ArgsUsage: "IMAGE [IMAGE...]\n\nEXAMPLE:\n   skiff pull docker.io/library/alpine:3.20",
		Flags: append(registryFlags(),
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image ID"},
			&cli.BoolFlag{Name: "all-tags", Aliases: []string{"a"}, Usage: "pull every tag of the repository"},
			&cli.StringFlag{Name: "creds", Usage: "registry credentials `USER[:PASSWORD]` (prompts for a missing password on a terminal)"},
			&cli.StringFlag{Name: "platform", Usage: "pull the image for `OS/ARCH[/VARIANT]` from a multi-platform image"},
			&cli.StringFlag{Name: "os", Usage: "pull the image for `OS` instead of the host's"},
			&cli.StringFlag{Name: "arch", Usage: "pull the image for `ARCH` instead of the host's"},
			&cli.StringFlag{Name: "variant", Usage: "pull the image for `VARIANT` (e.g. v7 for arm)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("pull: no image given: use skiff pull IMAGE")
			}
			// Every name is checked before the store is opened or the network touched.
			for _, name := range c.Args().Slice() {
				if err := image.ValidateName(name); err != nil {
					return err
				}
			}
			sysOpts, err := systemOptions(c)
			if err != nil {
				return err
			}
			if err := platformOptions(c, &sysOpts); err != nil {
				return err
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			opts := image.PullOptions{System: sysOpts, AllTags: c.Bool("all-tags")}
			if !c.Bool("quiet") {
				// Progress bars on a terminal, plain lines elsewhere.
				opts.Writer = image.ProgressWriter(os.Stderr)
			}
			for _, name := range c.Args().Slice() {
				ids, err := image.Pull(c.Context, store, name, opts)
				if err != nil {
					return err
				}
				for _, id := range ids {
					fmt.Fprintln(c.App.Writer, id)
				}
			}
			return nil
		},
	}
}

// registryFlags are the flags of every verb that talks to a registry (pull, login, logout).
func registryFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "authfile", Usage: "credentials `FILE` (default: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)"},
		&cli.BoolFlag{Name: "tls-verify", Value: true, Usage: "require HTTPS and verify certificates (--tls-verify=false also allows plain http)"},
	}
}

// systemOptions maps the registry flags, and --creds where the verb has it, to image.SystemOptions.
func systemOptions(c *cli.Context) (image.SystemOptions, error) {
	o := image.SystemOptions{AuthFile: c.String("authfile")}
	if c.IsSet("tls-verify") {
		o.SkipTLSVerify = types.NewOptionalBool(!c.Bool("tls-verify"))
	}
	if c.IsSet("creds") {
		auth, complete, err := image.ParseCredentials(c.String("creds"))
		if err != nil {
			return o, err
		}
		if !complete {
			if auth.Password, err = readPassword(c); err != nil {
				return o, fmt.Errorf("--creds %s: %w", auth.Username, err)
			}
		}
		o.Credentials = auth
	}
	return o, nil
}

// platformOptions maps --platform, --os, --arch and --variant.
func platformOptions(c *cli.Context, o *image.SystemOptions) error {
	if p := c.String("platform"); p != "" {
		if c.IsSet("os") || c.IsSet("arch") || c.IsSet("variant") {
			return fmt.Errorf("--platform cannot be combined with --os, --arch or --variant")
		}
		var err error
		if o.OS, o.Arch, o.Variant, err = image.ParsePlatform(p); err != nil {
			return err
		}
		return nil
	}
	o.OS, o.Arch, o.Variant = c.String("os"), c.String("arch"), c.String("variant")
	return nil
}

// readPassword asks for a password on the terminal without echo.
func readPassword(c *cli.Context) (string, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", fmt.Errorf("no password given and no terminal to ask on: pass USER:PASSWORD")
	}
	fmt.Fprint(c.App.ErrWriter, "Password: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(c.App.ErrWriter)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}
