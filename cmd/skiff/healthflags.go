package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/health"
)

// healthFlags are the health check flags of create and run.
func healthFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "health-cmd", Usage: "health check `COMMAND` run in the container (a shell command, a JSON array, or none)"},
		&cli.StringFlag{Name: "health-interval", Usage: "`DURATION` between health checks (default 30s; disable: only healthcheck run)"},
		&cli.IntFlag{Name: "health-retries", Usage: "consecutive `FAILURES` that make the container unhealthy (default 3)"},
		&cli.StringFlag{Name: "health-start-period", Usage: "`DURATION` after the start in which failures do not count (default 0s)"},
		&cli.StringFlag{Name: "health-timeout", Usage: "`DURATION` a health check may take (default 30s)"},
		&cli.BoolFlag{Name: "no-healthcheck", Usage: "no health check, not even the image's"},
	}
}

// healthOptions reads the health check flags.
func healthOptions(c *cli.Context) (container.HealthOptions, error) {
	o := container.HealthOptions{Disable: c.Bool("no-healthcheck")}
	var err error
	if c.IsSet("health-cmd") {
		if o.Test, err = health.ParseCommand(c.String("health-cmd")); err != nil {
			return o, err
		}
	}
	if c.IsSet("health-interval") {
		v, err := health.ParseDuration("--health-interval", c.String("health-interval"), true)
		if err != nil {
			return o, err
		}
		o.Interval = &v
	}
	if c.IsSet("health-timeout") {
		v, err := health.ParseDuration("--health-timeout", c.String("health-timeout"), false)
		if err != nil {
			return o, err
		}
		o.Timeout = &v
	}
	if c.IsSet("health-start-period") {
		v, err := health.ParseDuration("--health-start-period", c.String("health-start-period"), false)
		if err != nil {
			return o, err
		}
		o.StartPeriod = &v
	}
	if c.IsSet("health-retries") {
		v := c.Int("health-retries")
		o.Retries = &v
	}
	return o, nil
}
