package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/report"
	"github.com/skiffproject/skiff/systemd/quadlet"
	"github.com/skiffproject/skiff/userns"
)

// generatorName is the name under which systemd runs skiff as a user generator: `make install-systemd`
// links $(PREFIX)/lib/systemd/user-generators/skiff-user-generator to the skiff binary, and roles.go
// turns that name into `skiff quadlet generate --user NORMAL-DIR EARLY-DIR LATE-DIR`.
const generatorName = "skiff-user-generator"

// generatorArgs is the command line of the generator role: args with generatorName as argv[0].
func generatorArgs(args []string) []string {
	return append([]string{args[0], "quadlet", "generate", "--user"}, args[1:]...)
}

// generatorArgv0 is argv[0] as systemd gave it when this process runs as the generator, "" otherwise.
func generatorArgv0() string {
	if filepath.Base(os.Args[0]) == generatorName {
		return os.Args[0]
	}
	return ""
}

func quadletCommand() *cli.Command {
	return &cli.Command{
		Name:  "quadlet",
		Usage: "run containers, pods, volumes and networks described by Quadlet files under systemd",
		Subcommands: []*cli.Command{
			quadletListCommand(),
			quadletPrintCommand(),
			quadletInstallCommand(),
			quadletRmCommand(),
			quadletGenerateCommand(),
		},
	}
}

// quadletEnv is what decides where the user's Quadlet files are.
func quadletEnv() quadlet.Env {
	home := os.Getenv("HOME")
	uid := userns.HostUID()
	if home == "" {
		if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
			home = u.HomeDir
		}
	}
	return quadlet.Env{Getenv: os.Getenv, UID: uid, Home: home}
}

// findQuadlets returns the search directories and the Quadlet files found in them.
func findQuadlets() (dirs, paths []string, err error) {
	dirs = quadlet.Dirs(quadletEnv())
	paths, err = quadlet.Find(dirs)
	return dirs, paths, err
}

// translateQuadlets loads and translates every Quadlet file of the user. It returns the units that could
// be made and the errors of the others.
func translateQuadlets(generator string) ([]quadlet.Unit, error) {
	dirs, paths, err := findQuadlets()
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("quadlet: find skiff's own path: %w", err)
	}
	files, loadErr := quadlet.Load(paths, dirs)
	units, err := quadlet.Translate(files, quadlet.Options{Executable: exe, Generator: generator})
	return units, errors.Join(loadErr, err)
}

func quadletGenerateCommand() *cli.Command {
	return &cli.Command{
		Name:  "generate",
		Usage: "translate the user's Quadlet files into systemd units (the systemd user generator)",
		ArgsUsage: "[NORMAL-DIR [EARLY-DIR [LATE-DIR]]]\n\n" +
			"As a systemd generator (" + generatorName + "), the units go to NORMAL-DIR; with --dryrun they are printed.\n\n" +
			"EXAMPLE:\n   skiff quadlet generate --dryrun",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dryrun", Usage: "print the units instead of writing them"},
			&cli.BoolFlag{Name: "user", Value: true, Usage: "translate the user's files for the user's manager (the only mode: skiff is per user)"},
		},
		Action: func(c *cli.Context) error {
			if !c.Bool("dryrun") && c.NArg() == 0 {
				return errors.New("quadlet generate: no output directory given: use quadlet generate NORMAL-DIR [EARLY-DIR LATE-DIR], or --dryrun")
			}
			if c.NArg() > 3 {
				return fmt.Errorf("quadlet generate takes at most 3 directories, got %d", c.NArg())
			}
			argv0 := generatorArgv0()
			generator := argv0
			if generator == "" {
				generator = "skiff quadlet generate"
			}
			units, err := translateQuadlets(generator)
			if c.Bool("dryrun") {
				for _, u := range units {
					fmt.Fprintf(c.App.Writer, "---%s---\n%s\n", u.Name, u.Content)
				}
			} else if werr := quadlet.Write(c.Args().First(), units); werr != nil {
				err = errors.Join(err, werr)
			}
			if err != nil {
				// Like Podman's generator: the good units are written, and the failure is in the exit code.
				prefix := "skiff quadlet: "
				if argv0 != "" {
					prefix = generatorName + ": "
				}
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintln(c.App.ErrWriter, prefix+line)
				}
				return withCode(1, nil)
			}
			return nil
		},
	}
}

// quadletRow is a line of `quadlet list`.
type quadletRow struct {
	Name     string
	UnitName string
	Path     string
	Status   string
}

var quadletHeaders = map[string]string{"Name": "NAME", "UnitName": "UNIT NAME", "Path": "PATH ON DISK", "Status": "STATUS"}

func quadletListCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Aliases:   []string{"ls"},
		Usage:     "list the user's Quadlet files, their units and the units' states",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff quadlet list --format '{{.Name}} {{.Status}}'",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "Go `TEMPLATE` for each row, \"table ...\" or json"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("quadlet list takes no arguments, got %q", c.Args().First())
			}
			format := c.String("format")
			if format == "" {
				format = "table {{.Name}}\t{{.UnitName}}\t{{.Path}}\t{{.Status}}"
			}
			tmpl, err := report.Parse(format, quadletHeaders)
			if err != nil {
				return err
			}
			_, paths, err := findQuadlets()
			if err != nil {
				return err
			}
			rows := make([]quadletRow, len(paths))
			unitNames := make([]string, len(paths))
			for i, p := range paths {
				name := filepath.Base(p)
				unitName := strings.TrimSuffix(name, filepath.Ext(name)) + ".service"
				if f, err := quadlet.ParseFile(p); err == nil {
					unitName = quadlet.UnitName(f)
				}
				rows[i] = quadletRow{Name: name, UnitName: unitName, Path: p}
				unitNames[i] = unitName
			}
			states := unitStates(unitNames)
			data := make([]any, len(rows))
			for i := range rows {
				rows[i].Status = states[rows[i].UnitName]
				data[i] = rows[i]
			}
			return tmpl.Execute(c.App.Writer, data)
		},
	}
}

// unitStates asks the user's systemd manager for the state of units: "active/running", "Not loaded", or
// "unknown" when systemctl cannot tell.
func unitStates(units []string) map[string]string {
	states := map[string]string{}
	for _, u := range units {
		states[u] = "unknown"
	}
	if len(units) == 0 {
		return states
	}
	args := append([]string{"--user", "show", "--property=Id,Names,LoadState,ActiveState,SubState", "--"}, units...)
	out, err := exec.Command("systemctl", args...).Output()
	if err != nil {
		return states
	}
	// One block per unit, in the order asked, separated by empty lines.
	blocks := strings.Split(strings.TrimSpace(string(out)), "\n\n")
	for i, b := range blocks {
		if i >= len(units) {
			break
		}
		props := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(b))
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), "=")
			props[k] = v
		}
		if props["LoadState"] == "not-found" {
			states[units[i]] = "Not loaded"
		} else if props["ActiveState"] != "" {
			states[units[i]] = props["ActiveState"] + "/" + props["SubState"]
		}
	}
	return states
}

var errNoQuadlet = errors.New("no Quadlet file")

// findQuadlet finds the user's Quadlet file called name: a file name (web.container), or a name without
// extension when only one file has it.
func findQuadlet(name string) (string, error) {
	_, paths, err := findQuadlets()
	if err != nil {
		return "", err
	}
	var matches []string
	for _, p := range paths {
		base := filepath.Base(p)
		if base == name {
			return p, nil
		}
		if strings.TrimSuffix(base, filepath.Ext(base)) == name {
			matches = append(matches, p)
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("%w %q in %s", errNoQuadlet, name, strings.Join(quadlet.Dirs(quadletEnv()), ", "))
	case 1:
		return matches[0], nil
	}
	return "", fmt.Errorf("%q names more than one Quadlet file (%s): give the file name", name, strings.Join(matches, ", "))
}

func quadletPrintCommand() *cli.Command {
	return &cli.Command{
		Name:      "print",
		Usage:     "print a Quadlet file of the user",
		ArgsUsage: "NAME\n\nEXAMPLE:\n   skiff quadlet print web.container",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("quadlet print takes exactly one Quadlet file, got %d", c.NArg())
			}
			p, err := findQuadlet(c.Args().First())
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = c.App.Writer.Write(b)
			return err
		},
	}
}

func quadletInstallCommand() *cli.Command {
	return &cli.Command{
		Name:  "install",
		Usage: "check Quadlet files and install them for the user, then reload the user's systemd manager",
		ArgsUsage: "FILE...\n\nFiles other than .container, .pod, .volume and .network (an environment file, say) are copied along.\n\n" +
			"EXAMPLE:\n   skiff quadlet install web.container web.env && systemctl --user start web",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "replace", Usage: "replace files already installed"},
			&cli.BoolFlag{Name: "reload-systemd", Value: true, Usage: "run systemctl --user daemon-reload afterwards"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("quadlet install: no file given: use quadlet install FILE [FILE...]")
			}
			dir, err := quadlet.InstallDir(quadletEnv())
			if err != nil {
				return err
			}
			// Check the new files together with the installed ones, which they may name (Pod=, Volume=).
			var news []*quadlet.File
			for _, p := range c.Args().Slice() {
				if !quadlet.Supported(p) {
					continue
				}
				f, err := quadlet.ParseFile(p)
				if err != nil {
					return err
				}
				news = append(news, f)
			}
			dirs, paths, err := findQuadlets()
			if err != nil {
				return err
			}
			installed, _ := quadlet.Load(paths, dirs)
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			_, terr := quadlet.Translate(append(news, installed...), quadlet.Options{Executable: exe})
			for _, f := range news {
				if errs := quadlet.ErrorsFor(terr, f.Path); len(errs) > 0 {
					return errors.Join(errs...)
				}
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("quadlet install: %w", err)
			}
			for _, p := range c.Args().Slice() {
				dst := filepath.Join(dir, filepath.Base(p))
				if _, err := os.Stat(dst); err == nil && !c.Bool("replace") {
					return fmt.Errorf("quadlet install: %s is already installed as %s (hint: --replace)", filepath.Base(p), dst)
				}
				if err := copyFile(p, dst); err != nil {
					return fmt.Errorf("quadlet install: %w", err)
				}
				fmt.Fprintln(c.App.Writer, dst)
			}
			if c.Bool("reload-systemd") {
				return systemctl("daemon-reload")
			}
			return nil
		},
	}
}

func quadletRmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Aliases:   []string{"remove"},
		Usage:     "remove Quadlet files of the user, then reload the user's systemd manager",
		ArgsUsage: "NAME...\n\nEXAMPLE:\n   skiff quadlet rm --force web.container",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop the unit first if it is running"},
			&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore names that match no Quadlet file"},
			&cli.BoolFlag{Name: "reload-systemd", Value: true, Usage: "run systemctl --user daemon-reload afterwards"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("quadlet rm: no Quadlet file given: use quadlet rm NAME [NAME...]")
			}
			env := quadletEnv()
			var owned []string
			for _, d := range quadlet.Dirs(env) {
				if strings.HasPrefix(d, "/etc/") || strings.HasPrefix(d, "/usr/") {
					continue
				}
				owned = append(owned, d+string(filepath.Separator))
			}
			removed := false
			for _, name := range c.Args().Slice() {
				p, err := findQuadlet(name)
				if err != nil {
					if c.Bool("ignore") && errors.Is(err, errNoQuadlet) {
						continue
					}
					return err
				}
				mine := false
				for _, d := range owned {
					mine = mine || strings.HasPrefix(p, d)
				}
				if !mine {
					return fmt.Errorf("quadlet rm: %s is not in one of your directories (%s)", p, strings.Join(owned, ", "))
				}
				f, err := quadlet.ParseFile(p)
				if err != nil {
					return err
				}
				u := quadlet.UnitName(f)
				if state := unitStates([]string{u})[u]; strings.HasPrefix(state, "active") || strings.HasPrefix(state, "activating") {
					if !c.Bool("force") {
						return fmt.Errorf("quadlet rm: %s is %s (hint: --force stops it first)", u, state)
					}
					if err := systemctl("stop", u); err != nil {
						return err
					}
				}
				if err := os.Remove(p); err != nil {
					return fmt.Errorf("quadlet rm: %w", err)
				}
				removed = true
				fmt.Fprintln(c.App.Writer, p)
			}
			if removed && c.Bool("reload-systemd") {
				return systemctl("daemon-reload")
			}
			return nil
		},
	}
}

// systemctl runs `systemctl --user ARGS…`, its output in the error.
func systemctl(args ...string) error {
	cmd := exec.Command("systemctl", append([]string{"--user"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("systemctl --user %s: %s: %w", strings.Join(args, " "), strings.TrimSpace(out.String()), err)
	}
	return nil
}

// copyFile copies src to dst (mode 0644) atomically (package record).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return record.WriteStream(dst, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}
