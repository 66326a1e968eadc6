package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"sigs.k8s.io/yaml"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/system"
)

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "show the user namespace, storage and helper tools skiff uses",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}'",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template or json, e.g. '{{.Store.GraphDriverName}}'"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("info takes no arguments, got %q", c.Args().First())
			}
			store, err := openStore(c)
			if err != nil {
				return err
			}
			defer store.Shutdown(false)
			v := versionInfo().engineVersion
			info, err := system.GetInfo(store, system.Options{Runtime: c.String("runtime"), LogDriver: container.DefaultLogDriver,
				Version: system.VersionInfo(v)})
			if err != nil {
				return fmt.Errorf("info: %w", err)
			}
			if f := c.String("format"); f != "" {
				return printTemplate(c.App.Writer, f, info)
			}
			out, err := yaml.Marshal(info)
			if err != nil {
				return err
			}
			_, err = c.App.Writer.Write(out)
			return err
		},
	}
}
