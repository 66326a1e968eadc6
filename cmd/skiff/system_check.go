package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/fuseoverlay"
	"github.com/skiffproject/skiff/system"
)

func systemCheckCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "list what on this host blocks or degrades containers for you, with the fixes, and check the store (exit 1 on findings)",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff system check\n   skiff system check --repair --format json",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "json, or a Go template over the report ({{.Host}}, {{.Store}}, {{.CDIDevices}})"},
			&cli.BoolFlag{Name: "repair", Aliases: []string{"r"}, Usage: "remove damaged images, layers and incomplete containers, and unmount what no container holds"},
			&cli.BoolFlag{Name: "quick", Aliases: []string{"q"}, Usage: "skip the slower layer digest checks"},
			&cli.DurationFlag{Name: "max", Aliases: []string{"m"}, Value: 24 * time.Hour, Usage: "layers and containers nothing completed that are older than `DURATION` are orphans (younger ones may be a pull or create in progress)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("system check takes no arguments, got %q", c.Args().First())
			}
			if c.Duration("max") < 0 {
				return fmt.Errorf("--max %s: must not be negative", c.Duration("max"))
			}
			opts := system.CheckOptions{Repair: c.Bool("repair"), Quick: c.Bool("quick"), MaxUnreferencedAge: c.Duration("max")}
			r := &system.CheckReport{}
			var err error
			if r.CDIDevices, r.CDIErrors, err = system.CheckCDI(); err != nil {
				return err
			}
			// The host first, from outside the user namespace: it reports even when none can be made.
			so, err := fuseoverlay.StoreOptions(storageOptions(c))
			if err != nil {
				return err
			}
			r.Host = system.CheckHost(so.GraphRoot)
			if r.Store, err = checkStore(c, opts); err != nil {
				return err
			}
			switch f := c.String("format"); f {
			case "":
				printCheck(c.App.Writer, r)
			case "json":
				out, err := json.MarshalIndent(r, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, string(out))
			default:
				if err := printTemplate(c.App.Writer, f, r); err != nil {
					return err
				}
			}
			if !r.Clean() {
				return withCode(exitUnspecified, nil)
			}
			return nil
		},
	}
}

// checkStore opens the engine and checks (and with --repair repairs) the store; a store that cannot be
// opened is itself a finding.
func checkStore(c *cli.Context, opts system.CheckOptions) ([]system.Finding, error) {
	e, done, err := openEngine(c)
	if err != nil {
		return []system.Finding{system.StoreUnavailable(err)}, nil
	}
	defer done()
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	ctrs := system.Containers{Held: map[string]bool{}, Incomplete: map[string]time.Time{},
		Remove: func(id string) error { return e.Remove(c.Context, id, container.RemoveOptions{Force: true}) }}
	for _, ct := range all {
		switch {
		case ct.Incomplete:
			ctrs.Incomplete[ct.ID] = ct.Config.Created
		case ct.State.Status == container.StatusRunning || ct.State.Status == container.StatusPaused:
			ctrs.Held[ct.ID] = true
		}
	}
	return system.CheckStore(e.Store(), ctrs, opts)
}

// printCheck writes the report for people: each finding with what breaks and the fix, then the CDI devices.
func printCheck(w io.Writer, r *system.CheckReport) {
	section := func(title string, fs []system.Finding) {
		if len(fs) == 0 {
			fmt.Fprintf(w, "%s: no problems found\n", title)
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, f := range fs {
			state := strings.ToUpper(string(f.Severity))
			if f.Repaired {
				state = "REPAIRED"
			}
			fmt.Fprintf(w, "  %-8s %s: %s\n", state, f.Check, f.Problem)
			fmt.Fprintf(w, "           breaks: %s\n", f.Impact)
			fmt.Fprintf(w, "           fix (%s): %s\n", f.Who, f.Fix)
		}
	}
	section("host", r.Host)
	section("store", r.Store)
	if len(r.CDIDevices) == 0 {
		fmt.Fprintln(w, "CDI devices: none (no specs in /etc/cdi, /var/run/cdi or ~/.config/cdi)")
	} else {
		fmt.Fprintf(w, "CDI devices: %s\n", strings.Join(r.CDIDevices, ", "))
	}
	for _, e := range r.CDIErrors {
		fmt.Fprintf(w, "  CDI spec error: %s\n", e)
	}
}
