package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/secrets"
	"github.com/skiffproject/skiff/volume"
)

func secretCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create a secret from a file, standard input (-) or a variable (--env)",
		ArgsUsage: "NAME FILE|-\n\nEXAMPLE:\n   printf s3cret | skiff secret create dbpass -",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: secrets.DriverFile, Usage: "secret `DRIVER` (only file)"},
			&cli.BoolFlag{Name: "env", Usage: "read the data from the environment variable named by the second argument"},
			&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set metadata `KEY=VALUE`"},
			&cli.BoolFlag{Name: "replace", Usage: "replace a secret of the same name"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("secret create: want NAME and FILE (- for standard input), got %d arguments", c.NArg())
			}
			name, src := c.Args().Get(0), c.Args().Get(1)
			if err := secrets.ValidateName(name); err != nil {
				return err
			}
			labels, err := volume.ParseKeyValues("--label", c.StringSlice("label"), true)
			if err != nil {
				return err
			}
			var data []byte
			switch {
			case c.Bool("env"):
				v, ok := os.LookupEnv(src)
				if !ok {
					return fmt.Errorf("secret create %s: environment variable %s is not set", name, src)
				}
				data = []byte(v)
			case src == "-":
				if data, err = io.ReadAll(os.Stdin); err != nil {
					return fmt.Errorf("secret create %s: read standard input: %w", name, err)
				}
			default:
				if data, err = os.ReadFile(src); err != nil {
					return fmt.Errorf("secret create %s: %w", name, err)
				}
			}
			st, _, done, err := openSecrets(c)
			if err != nil {
				return err
			}
			defer done()
			sec, err := st.Create(name, data, secrets.CreateOptions{Driver: c.String("driver"), Labels: labels, Replace: c.Bool("replace")})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, sec.ID)
			return nil
		},
	}
}
