package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/secrets"
)

func secretCommand() *cli.Command {
	return &cli.Command{
		Name:  "secret",
		Usage: "manage secrets: data a container gets at /run/secrets/NAME or in a variable, never in an image",
		Subcommands: []*cli.Command{
			secretCreateCommand(),
			secretLsCommand(),
			secretInspectCommand(),
			secretRmCommand(),
		},
	}
}

// openSecrets opens the user's storage and its secret store, with the engine for the in-use checks.
func openSecrets(c *cli.Context) (*secrets.Store, func(id string) string, func(), error) {
	e, done, err := openEngine(c)
	if err != nil {
		return nil, nil, nil, err
	}
	return secrets.New(e.Store().GraphRoot()), func(id string) string { return view.SecretUser(e, id) }, done, nil
}
