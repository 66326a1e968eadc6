package main

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/report"
)

// statsHeaders are Podman's column names for stats fields.
var statsHeaders = map[string]string{
	"ID": "ID", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemUsageBytes": "MEM USAGE / LIMIT",
	"MemPerc": "MEM %", "NetIO": "NET IO", "BlockIO": "BLOCK IO", "PIDs": "PIDS", "CPU": "CPU TIME", "AvgCPU": "AVG CPU %",
	"UpTime": "UP TIME", "Source": "SOURCE",
}

func statsCommand() *cli.Command {
	return &cli.Command{
		Name:      "stats",
		Usage:     "show the CPU, memory, PIDs, network and block I/O use of containers",
		ArgsUsage: "[CONTAINER...]\n\nEXAMPLE:\n   skiff stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}'",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show every container, not only running ones"},
			&cli.BoolFlag{Name: "no-stream", Usage: "print one sample and exit"},
			&cli.BoolFlag{Name: "no-reset", Usage: "do not clear the screen between samples"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` for each row, \"table ...\" or json"},
			&cli.IntFlag{Name: "interval", Aliases: []string{"i"}, Value: 5, Usage: "`SECONDS` between samples when streaming"},
		},
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format == "" {
				format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.CPU}}\t{{.AvgCPU}}"
			}
			tmpl, err := report.Parse(format, statsHeaders)
			if err != nil {
				return err
			}
			if c.Int("interval") < 1 {
				return fmt.Errorf("--interval %d: want at least 1 second", c.Int("interval"))
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			o := view.StatsOptions{All: c.Bool("all")}
			noted := map[string]bool{}
			for {
				rows, err := view.Stats(e, c.Context, c.Args().Slice(), o)
				if err != nil {
					return err
				}
				data := make([]any, len(rows))
				for i := range rows {
					data[i] = rows[i]
					if rows[i].Source == view.StatsFromProcesses && !noted[rows[i].ID] {
						// The output says where the numbers come from when it is not a cgroup.
						fmt.Fprintf(os.Stderr, "%s has no cgroup: its numbers are summed over its processes, and its block I/O is unknown\n", rows[i].Name)
						noted[rows[i].ID] = true
					}
				}
				if !c.Bool("no-stream") && !c.Bool("no-reset") && !tmpl.IsJSON() {
					fmt.Fprint(c.App.Writer, "\033[2J\033[H")
				}
				if err := tmpl.Execute(c.App.Writer, data); err != nil {
					return err
				}
				if c.Bool("no-stream") {
					return nil
				}
				o.Interval = time.Duration(c.Int("interval")) * time.Second
				o.Interval = min(o.Interval, time.Second) // the sample itself takes o.Interval
				select {
				case <-c.Context.Done():
					return nil
				case <-time.After(time.Duration(c.Int("interval"))*time.Second - o.Interval):
				}
			}
		},
	}
}
