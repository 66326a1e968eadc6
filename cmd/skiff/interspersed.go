package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// passThrough names the verbs whose arguments after the first positional one belong to the container's
// command (`skiff run IMAGE ls -l`): their flags must come first, as in Docker and Podman.
var passThrough = map[string]bool{"run": true, "create": true, "exec": true, "unshare": true}

// intersperse moves the flags that follow a verb's positional arguments in front of them, so that
// `skiff rm web -f` means `skiff rm -f web` as it does in Podman. urfave/cli stops reading flags at the
// first positional argument. Verbs in passThrough and everything after "--" are left alone.
func intersperse(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// Global flags, then the command path.
	i = copyFlags(app.Flags, args, i, &out)
	cmds := app.Commands
	var leaf *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		leaf = c
		out = append(out, args[i])
		i++
		if len(c.Subcommands) == 0 {
			break
		}
		i = copyFlags(c.Flags, args, i, &out)
		cmds = c.Subcommands
	}
	if leaf == nil || len(leaf.Subcommands) > 0 || leaf.SkipFlagParsing || passThrough[leaf.Name] {
		return append(out, args[i:]...)
	}
	var flags, positional []string
	for i < len(args) {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			i++
			if takesValue(leaf.Flags, a) && i < len(args) {
				flags = append(flags, args[i])
				i++
			}
		default:
			positional = append(positional, a)
			i++
		}
	}
	return append(append(out, flags...), positional...)
}

// copyFlags copies the flags at args[i:] up to the first positional argument to out and returns the
// index after them.
func copyFlags(defs []cli.Flag, args []string, i int, out *[]string) int {
	for i < len(args) && len(args[i]) > 1 && args[i][0] == '-' && args[i] != "--" {
		*out = append(*out, args[i])
		if takesValue(defs, args[i]) && i+1 < len(args) {
			*out = append(*out, args[i+1])
			i++
		}
		i++
	}
	return i
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether flag (as written: -x, --name, -abc, --name=v) consumes the next argument.
func takesValue(defs []cli.Flag, flag string) bool {
	name := strings.TrimLeft(flag, "-")
	if strings.Contains(name, "=") {
		return false
	}
	if !strings.HasPrefix(flag, "--") && len(name) > 1 {
		// Combined short options (-af): only the last one may take a value.
		name = name[len(name)-1:]
	}
	for _, d := range defs {
		for _, n := range d.Names() {
			if n == name {
				_, isBool := d.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
