package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// passThrough names the verbs whose arguments after the first positional one belong to the container's
// command (`skiff run IMAGE ls -l`): their flags must come first, as in Docker and Podman.
var passThrough = map[string]bool{"run": true, "create": true, "exec": true, "unshare": true}

// normalize rewrites a command line into the one form urfave/cli v2 parses without surprises, so that
// skiff accepts Podman's (pflag's) grammar for every verb, including verbs added later:
//
//   - every flag is written under its canonical (first) name, as --name or --name=value, so the short
//     and the long form of a flag mix (`-v a:/a --volume b:/b`; urfave refuses "two forms of the same
//     flag"), and combined or attached short options are split (`-dit`, `-eA=1`, `-p8080:80`, `-v=x`);
//   - flags that follow a verb's positional arguments move in front of them (`skiff rm web -f`), except
//     for the verbs in passThrough, whose trailing arguments are the container's command;
//   - a global flag written after the verb (`skiff ps --log-level debug`) moves in front of the verb;
//   - "--" ends the options: what follows is positional, whatever it looks like.
//
// A token that names no flag is left as written, for urfave/cli to refuse in one line.
func normalize(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	var globals, path, flags, positional []string
	i := 1
	for i < len(args) && isFlagToken(args[i]) {
		if args[i] == "-h" {
			globals = append(globals, "--help")
			i++
			continue
		}
		out, next, _ := canonicalFlag(app.Flags, args, i)
		globals = append(globals, out...)
		i = next
	}
	// readFlag appends the option at args[i] to *dst if defs define it, else to the global ones if
	// they do, else as written to *dst; it returns the index after it.
	readFlag := func(defs []cli.Flag, dst *[]string) {
		if args[i] == "-h" && lookupFlag(defs, "h") == nil {
			// -h is --help unless the verb gives it another meaning (run -h is --hostname), as in Podman.
			*dst = append(*dst, "--help")
			i++
			return
		}
		out, next, known := canonicalFlag(defs, args, i)
		if !known {
			if gout, gnext, gknown := canonicalFlag(app.Flags, args, i); gknown {
				globals = append(globals, gout...)
				i = gnext
				return
			}
		}
		*dst = append(*dst, out...)
		i = next
	}
	cmds := app.Commands
	var leaf *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		leaf = c
		path = append(path, args[i])
		i++
		if len(c.Subcommands) == 0 {
			break
		}
		for i < len(args) && isFlagToken(args[i]) {
			readFlag(c.Flags, &path)
		}
		cmds = c.Subcommands
	}
	if leaf == nil || len(leaf.Subcommands) > 0 || leaf.SkipFlagParsing {
		return join(args[0], globals, path, args[i:])
	}
	stopAtPositional := passThrough[leaf.Name]
	dashdash := false
	for i < len(args) {
		a := args[i]
		switch {
		case a == "--":
			dashdash = true
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case isFlagToken(a):
			readFlag(leaf.Flags, &flags)
		case stopAtPositional:
			positional = append(positional, args[i:]...)
			i = len(args)
		default:
			positional = append(positional, a)
			i++
		}
	}
	rest := flags
	if dashdash || (!stopAtPositional && anyDash(positional)) {
		// Keep the positional arguments positional, even one that starts with "-".
		rest = append(rest, "--")
	}
	return join(args[0], globals, path, rest, positional)
}

func join(prog string, parts ...[]string) []string {
	out := []string{prog}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func anyDash(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return true
		}
	}
	return false
}

// isFlagToken reports whether a is written as an option: -x..., --name...; "-" (stdin) and "--" are not.
func isFlagToken(a string) bool { return len(a) > 1 && a[0] == '-' && a != "--" }

// canonicalFlag reads the option written at args[i] against defs and returns it rewritten under
// canonical names (--name, --name=value), the index after it, and whether defs define it. An unknown
// option is returned as written.
func canonicalFlag(defs []cli.Flag, args []string, i int) ([]string, int, bool) {
	a := args[i]
	if strings.HasPrefix(a, "--") {
		return longFlag(defs, args, i, a[2:])
	}
	// Single dash: one or more short options, the last of which may take a value (-dit, -eA=1, -p80:80).
	body := a[1:]
	var out []string
	for j := 0; j < len(body); j++ {
		f := lookupFlag(defs, body[j:j+1])
		if f == nil {
			if j == 0 && len(body) > 1 {
				// Not a short option: perhaps a long name written with one dash (-rm), as Go's flag
				// package reads it.
				if out, next, known := longFlag(defs, args, i, body); known {
					return out, next, true
				}
			}
			return []string{a}, i + 1, false
		}
		long := "--" + f.Names()[0]
		rest := body[j+1:]
		if !flagTakesValue(f) {
			if strings.HasPrefix(rest, "=") {
				return append(out, long+rest), i + 1, true
			}
			out = append(out, long)
			continue
		}
		switch {
		case rest != "":
			return append(out, long+"="+strings.TrimPrefix(rest, "=")), i + 1, true
		case i+1 < len(args):
			return append(out, long+"="+args[i+1]), i + 2, true
		}
		return append(out, long), i + 1, true // urfave/cli says the value is missing
	}
	return out, i + 1, true
}

// longFlag reads the option NAME[=VALUE] written at args[i] (body is args[i] without its dashes).
func longFlag(defs []cli.Flag, args []string, i int, body string) ([]string, int, bool) {
	name, value, hasValue := strings.Cut(body, "=")
	f := lookupFlag(defs, name)
	if f == nil {
		return []string{args[i]}, i + 1, false
	}
	long := "--" + f.Names()[0]
	switch {
	case hasValue:
		return []string{long + "=" + value}, i + 1, true
	case !flagTakesValue(f):
		return []string{long}, i + 1, true
	case i+1 < len(args):
		return []string{long + "=" + args[i+1]}, i + 2, true
	}
	return []string{long}, i + 1, true // urfave/cli says the value is missing
}

func lookupFlag(defs []cli.Flag, name string) cli.Flag {
	for _, d := range defs {
		for _, n := range d.Names() {
			if n == name {
				return d
			}
		}
	}
	return nil
}

// flagTakesValue reports whether f consumes a value (every flag type but a boolean one).
func flagTakesValue(f cli.Flag) bool {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.TakesValue()
	}
	return true
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
