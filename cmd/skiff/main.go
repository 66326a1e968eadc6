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

	"github.com/skiffproject/skiff/runtime/oci"
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

// exitCode is the exit status for the error a verb returned, decided here and nowhere else: the code a
// verb chose (exitError), else 127 or 126 for the failure to invoke the command a verb runs in the
// foreground (commandError) by the class found where it failed, else 125.
func exitCode(err error) int {
	var ee *exitError
	var ce *commandError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case !errors.As(err, &ce):
		return exitEngine
	case errors.Is(ce, oci.ErrCommandNotFound):
		return exitNotFound
	case errors.Is(ce, oci.ErrCannotInvoke):
		return exitCannotRun
	}
	return exitEngine
}

// commandError is the failure of a verb whose exit status is that of a command it runs in the
// foreground: run, start --attach and exec (the container's command), unshare (a host command). As
// with Podman, only these give the command's class its exit code; `start` without --attach, `pod start`
// and the others fail with 125 whatever the cause.
type commandError struct {
	err error
	// class is oci.ErrCommandNotFound or oci.ErrCannotInvoke when the verb invoked the command itself
	// (unshare) and classified its failure; nil when err carries the class (runtime/oci found it).
	class error
}

func (e *commandError) Error() string { return e.err.Error() }

func (e *commandError) Unwrap() error { return e.err }

func (e *commandError) Is(target error) bool { return e.class != nil && target == e.class }

// commandFailed marks err, when not nil, as the failure to run a verb's foreground command.
func commandFailed(err error) error {
	if err == nil {
		return nil
	}
	return &commandError{err: err}
}

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
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.err == nil:
	case errors.As(err, &ee):
		fmt.Fprintf(os.Stderr, "Error: %v\n", ee.err)
	default:
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
	}
	return exitCode(err)
}
