package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/health"
)

func healthcheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "healthcheck",
		Usage: "run containers' health checks",
		Subcommands: []*cli.Command{{
			Name:      "run",
			Usage:     "run a container's health check once: exit 0 when it passes, 1 (printing unhealthy) when it fails",
			ArgsUsage: "CONTAINER\n\nEXAMPLE:\n   skiff healthcheck run web",
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return fmt.Errorf("healthcheck run: want exactly one container, got %d", c.NArg())
				}
				e, done, err := openEngine(c)
				if err != nil {
					return err
				}
				defer done()
				status, err := e.HealthCheck(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				if status != health.Healthy {
					// Podman prints "unhealthy" and exits 1 for a failed run.
					fmt.Fprintln(c.App.Writer, status)
					return withCode(1, nil)
				}
				return nil
			},
		}},
	}
}
