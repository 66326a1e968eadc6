package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/containers/storage"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/report"
	"github.com/skiffproject/skiff/volume"
)

// volumeCommand is the `skiff volume` noun: named volumes in the user's storage (package volume).
func volumeCommand() *cli.Command {
	return &cli.Command{
		Name:  "volume",
		Usage: "manage named volumes",
		Subcommands: []*cli.Command{
			volumeCreateCommand(),
			volumeListCommand(),
			volumeInspectCommand(),
			volumeRemoveCommand(),
			volumePruneCommand(),
			volumeExistsCommand(),
			volumeExportCommand(), // volume_archive.go
			volumeImportCommand(),
			volumeMountCommand(),
			volumeUnmountCommand(),
		},
	}
}

// volumeUsers tells the volume store which containers use a volume (their records say which volumes
// they mount) and removes them for `volume rm -f`.
func volumeUsers(c *cli.Context, store storage.Store) (users volume.Users, remove func(names []string) error) {
	e := container.New(store, container.EngineOptions{Runtime: c.String("runtime")})
	return e.VolumeUsers, func(names []string) error {
		for _, n := range names {
			if err := e.Remove(c.Context, n, container.RemoveOptions{Force: true}); err != nil {
				return err
			}
		}
		return nil
	}
}

// openVolumes enters the user's namespace, opens the storage (for its graph root, where volumes live,
// and for the containers that use them) and the volume store. The caller must call done.
func openVolumes(c *cli.Context) (vs *volume.Store, done func(), err error) {
	store, err := openStore(c)
	if err != nil {
		return nil, nil, err
	}
	done = func() { _, _ = store.Shutdown(false) }
	vs, err = volume.Open(store.GraphRoot())
	if err != nil {
		done()
		return nil, nil, err
	}
	vs.Users, vs.RemoveUsers = volumeUsers(c, store)
	return vs, done, nil
}

func volumeCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create a volume",
		ArgsUsage: "[NAME]\n\nEXAMPLE:\n   skiff volume create --label app=db -o type=tmpfs -o device=tmpfs -o o=size=10m scratch",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "driver", Aliases: []string{"d"}, Value: volume.DriverLocal, Usage: "volume `DRIVER` (only local)"},
			&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set metadata `KEY=VALUE`"},
			&cli.StringSliceFlag{Name: "opt", Aliases: []string{"o"}, Usage: "local driver `OPTION`: type=tmpfs|bind, device=DEV, o=MOUNT-OPTIONS (o=uid=N,gid=N sets the owner)"},
			&cli.BoolFlag{Name: "ignore", Usage: "if the volume exists, print its name and succeed"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("volume create takes at most one name, got %d", c.NArg())
			}
			labels, err := volume.ParseKeyValues("--label", c.StringSlice("label"), true)
			if err != nil {
				return err
			}
			opts, err := volume.ParseKeyValues("--opt", c.StringSlice("opt"), false)
			if err != nil {
				return err
			}
			o := volume.CreateOptions{Name: c.Args().First(), Driver: c.String("driver"), Labels: labels, Options: opts,
				Ignore: c.Bool("ignore")}
			// Check everything before the namespace and the store are touched.
			if err := volume.CheckCreate(o); err != nil {
				return err
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			v, err := vs.Create(o)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, v.Name)
			return nil
		},
	}
}

// volumeListHeaders are Podman's column names.
var volumeListHeaders = map[string]string{"Name": "VOLUME NAME"}

func volumeListCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Aliases:   []string{"list"},
		Usage:     "list volumes",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff volume ls --filter label=app=db --format '{{.Name}} {{.Mountpoint}}'",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only volume names"},
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "keep volumes matching `KEY=VALUE` (" + strings.Join(volume.ListFilterKeys, ", ") + ")"},
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` per volume, \"table TEMPLATE\", or json"},
			&cli.BoolFlag{Name: "noheading", Aliases: []string{"n"}, Usage: "do not print the column headings"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("volume ls takes no arguments, got %q (use --filter name=%s)", c.Args().First(), c.Args().First())
			}
			filters, err := volume.ParseFilters(c.StringSlice("filter"), volume.ListFilterKeys)
			if err != nil {
				return err
			}
			format := "table {{.Driver}}\t{{.Name}}"
			if c.IsSet("format") {
				format = c.String("format")
			}
			tmpl, err := report.Parse(format, volumeListHeaders)
			if err != nil {
				return err
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			vols, err := vs.List(filters)
			if err != nil {
				return err
			}
			rows := make([]any, 0, len(vols))
			for _, v := range vols {
				if c.Bool("quiet") {
					fmt.Fprintln(c.App.Writer, v.Name)
					continue
				}
				rows = append(rows, v.Inspect())
			}
			switch {
			case c.Bool("quiet"):
				return nil
			case tmpl.IsJSON() || !c.Bool("noheading"):
				return tmpl.Execute(c.App.Writer, rows)
			}
			return executeWithoutHeader(c, tmpl, rows)
		},
	}
}

func volumeInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print the details of volumes as JSON or through a template",
		ArgsUsage: "VOLUME [VOLUME...]\n\nEXAMPLE:\n   skiff volume inspect --format '{{.Mountpoint}}' data",
		Flags: []cli.Flag{
			inspectFormatFlag(),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "inspect every volume"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("all") == (c.NArg() > 0) {
				return errors.New("volume inspect: give volume names or --all, not both or neither")
			}
			var tmpl *report.Template
			if f := c.String("format"); f != "" {
				t, err := report.Parse(f, nil)
				if err != nil {
					return err
				}
				if !t.IsJSON() {
					tmpl = t
				}
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			names, err := volumeNames(c, vs)
			if err != nil {
				return err
			}
			data, errs := vs.Inspect(names)
			rows := make([]any, 0, len(data))
			for _, d := range data {
				rows = append(rows, d)
			}
			if tmpl != nil {
				err = tmpl.Execute(c.App.Writer, rows)
			} else {
				// Podman's layout, as in `skiff inspect`.
				enc := json.NewEncoder(c.App.Writer)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "     ")
				err = enc.Encode(rows)
			}
			if err != nil {
				return err
			}
			return lastOf(c, errs)
		},
	}
}

// lastOf prints every error but the last and returns the last (nil if none), for main to print.
func lastOf(c *cli.Context, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintf(c.App.ErrWriter, "Error: %v\n", e)
	}
	return errs[len(errs)-1]
}

// volumeRemoveCommand is `volume rm`. Exit status as Podman's: 1 when a volume did not exist, 2 when
// one is in use, 125 for other failures.
func volumeRemoveCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "remove volumes",
		ArgsUsage: "VOLUME [VOLUME...]\n\nEXAMPLE:\n   skiff volume rm data scratch",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "also remove the containers that use the volumes"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every volume"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("all") == (c.NArg() > 0) {
				return errors.New("volume rm: give volume names or --all, not both or neither")
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			names, err := volumeNames(c, vs)
			if err != nil {
				return err
			}
			var errs []error
			code := 0
			for _, n := range names {
				err := vs.Remove(n, c.Bool("force"))
				switch {
				case err == nil:
					fmt.Fprintln(c.App.Writer, n)
					continue
				case errors.Is(err, volume.ErrInUse):
					code = 2
				case errors.Is(err, volume.ErrNoSuchVolume):
					if code == 0 {
						code = 1
					}
				default:
					code = exitEngine
				}
				errs = append(errs, err)
			}
			if err := lastOf(c, errs); err != nil {
				if code == exitEngine {
					return err
				}
				return withCode(code, err)
			}
			return nil
		},
	}
}

func volumePruneCommand() *cli.Command {
	return &cli.Command{
		Name:      "prune",
		Usage:     "remove every volume that no container uses",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff volume prune -f",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation"},
			&cli.StringSliceFlag{Name: "filter", Usage: "remove only volumes matching `KEY=VALUE` (" + strings.Join(volume.PruneFilterKeys, ", ") + ")"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("volume prune takes no arguments, got %q", c.Args().First())
			}
			filters, err := volume.ParseFilters(c.StringSlice("filter"), volume.PruneFilterKeys)
			if err != nil {
				return err
			}
			if !c.Bool("force") {
				ok, err := confirm(c, "WARNING! This will remove all volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			reports, err := vs.Prune(filters)
			var errs []error
			for _, r := range reports {
				if r.Err != nil {
					errs = append(errs, r.Err)
					continue
				}
				fmt.Fprintln(c.App.Writer, r.Name)
			}
			if err != nil {
				errs = append(errs, err)
			}
			return lastOf(c, errs)
		},
	}
}

func volumeExistsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "exit 0 if the volume exists, 1 if not",
		ArgsUsage: "VOLUME\n\nEXAMPLE:\n   skiff volume exists data",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("volume exists takes exactly one volume, got %d", c.NArg())
			}
			vs, done, err := openVolumes(c)
			if err != nil {
				return err
			}
			defer done()
			ok, err := vs.Exists(c.Args().First())
			if err != nil {
				return err
			}
			if !ok {
				return withCode(1, nil)
			}
			return nil
		},
	}
}

// volumeNames returns the volumes a verb names on its command line, plus every volume with --all.
func volumeNames(c *cli.Context, vs *volume.Store) ([]string, error) {
	names := c.Args().Slice()
	if c.Bool("all") {
		all, err := vs.All()
		if err != nil {
			return nil, err
		}
		for _, v := range all {
			names = append(names, v.Name)
		}
	}
	return names, nil
}
