// Command skiff is a rootless, daemonless, per-user container engine with Docker's grammar.
//
// This package is CLI wiring only: each verb lives in its own file, turns its flags into a typed options
// struct and calls a package. Exit codes are decided here and nowhere else.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/containers/storage/pkg/reexec"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/trace"
	"github.com/skiffproject/skiff/userns" // its cgo constructor joins the user namespace before Go starts
)

// Docker's exit codes for failures of the engine itself and of the container's command.
const (
	exitEngine      = 125 // skiff itself failed
	exitCannotRun   = 126 // the container's command cannot be invoked
	exitNotFound    = 127 // the container's command was not found
	exitUnspecified = 1
)

// exitError carries an exit code chosen by a verb (the container's own status, or a Podman-specific code
// such as rmi's 1 and 2) together with the message to print. A nil err prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that main exits with code; err may be nil for a silent exit.
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// setCLIDefaults sets urfave/cli's package-wide help flag and printer. -h is --help only where a verb
// does not use it (run -h is --hostname): grammar.go rewrites it. Help looks like Podman's (help.go).
func setCLIDefaults() {
	cli.HelpFlag = &cli.BoolFlag{Name: "help", Usage: "show help"}
	cli.HelpPrinter = printHelp
}

func newApp() *cli.App {
	setCLIDefaults()
	app := &cli.App{
		Name:                   "skiff",
		Usage:                  "rootless, daemonless containers for one user",
		Version:                versionString(),
		EnableBashCompletion:   true,
		UseShortOptionHandling: true,
		// -e A=1,2 is one variable: repeatable flags take each value whole, as Podman's do.
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		// With a help command of its own (help.go), urfave/cli adds no --help to the app: add it here.
		Flags:  append(globalFlags(), cli.HelpFlag),
		Before: setupLogging,
		// Exit codes are decided in main; never let urfave/cli call os.Exit.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       append(commands(), helpCommand(), completionCommand(), completeCommand()),
		Action:         nounAction,
	}
	app.OnUsageError = usageError
	setUsageError(app.Commands)
	return app
}

// setUsageError makes every command report a bad flag, a missing or an unknown subcommand in one line
// instead of printing its help.
func setUsageError(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = usageError
		c.HideHelpCommand = true // `skiff help VERB` (help.go) instead of `skiff VERB help`
		addLatest(c)             // -l/--latest (latest.go)
		if len(c.Subcommands) > 0 && c.Action == nil {
			c.Action = nounAction
		}
		setUsageError(c.Subcommands)
	}
}

// nounAction runs when no known verb follows `skiff` or a noun such as `skiff system`.
func nounAction(c *cli.Context) error {
	name := "skiff"
	if c.Command != nil && c.Command.Name != "" {
		name = c.Command.HelpName
	}
	if c.NArg() == 0 {
		if name == "skiff" {
			return cli.ShowAppHelp(c)
		}
		return fmt.Errorf("missing command '%s COMMAND' (see '%s --help')", name, name)
	}
	return fmt.Errorf("unknown command %q for %q (see '%s --help')", c.Args().First(), name, name)
}

// usageError rewrites the flag package's wording in Podman's: `unknown flag: --bogus (see 'skiff info --help')`.
func usageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		dashes := "--"
		if len(name) == 1 {
			dashes = "-"
		}
		msg = "unknown flag: " + dashes + name
	}
	where := "skiff"
	if c.Command != nil && c.Command.Name != "" {
		where = c.Command.HelpName
	}
	return fmt.Errorf("%s (see '%s --help')", msg, where)
}

func setupLogging(c *cli.Context) error {
	lvl, err := logrus.ParseLevel(c.String("log-level"))
	if err != nil {
		return fmt.Errorf("--log-level %q: want one of debug, info, warn, error", c.String("log-level"))
	}
	logrus.SetLevel(lvl)
	logrus.SetOutput(stderrLog)
	logrus.SetFormatter(&logFormatter{})
	return applyGlobalFlags(c)
}

func main() {
	if r := pickRole(os.Args); r != nil {
		os.Exit(r.run(os.Args))
	}
	// containers/storage's reexec package refuses to start a helper unless main has looked for one.
	reexec.Init()
	os.Exit(run(os.Args))
}

// stderrLog holds the log lines written before the first line of output (see heldLog) when stdout goes
// to a pipe or a file, where a script may capture it; on a terminal they are written at once.
var stderrLog = &heldLog{holding: !term.IsTerminal(int(os.Stdout.Fd())), err: os.Stderr}

func run(args []string) int {
	trace.Begin(userns.ConstructorTimes())
	defer trace.Print(os.Stderr)
	app := newApp()
	app.Writer = releasingWriter{out: os.Stdout, log: stderrLog}
	userns.BeforeExec = stderrLog.release
	err := app.Run(normalize(app, args))
	stderrLog.release()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(os.Stderr, "Error: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(os.Stderr, "Error: %v\n", err)
	return exitEngine
}
