package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Help looks like Podman's: a summary, the usage line, the verb's examples, then one line per option (its
// names and value, then its description), every line wrapped to the terminal's width ($COLUMNS, else the
// terminal's, else 80). Every verb's help comes from its definition: Usage is the summary, ArgsUsage the
// arguments, then optional paragraphs and "EXAMPLE:" lines.

// helpWidth is the width help is wrapped to.
func helpWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w >= 40 {
		return w
	}
	return 80
}

// printHelp is cli.HelpPrinter: data is the *cli.App or the *cli.Command whose help is asked for.
func printHelp(w io.Writer, _ string, data any) {
	width := helpWidth()
	switch d := data.(type) {
	case *cli.App:
		writeHelp(w, width, helpPage{summary: d.Usage, path: d.HelpName, commands: d.VisibleCommands(), flags: withoutHelp(d.VisibleFlags())})
	case *cli.Command:
		path := d.HelpName
		if path == "" {
			path = "skiff " + d.Name
		}
		writeHelp(w, width, commandPage(path, d))
	}
}

// withoutHelp drops --help, which every command has, from a list of options (Podman lists it nowhere).
func withoutHelp(flags []cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, f := range flags {
		if f != cli.HelpFlag {
			out = append(out, f)
		}
	}
	return out
}

// helpPage is what one help screen shows.
type helpPage struct {
	summary, path, args string
	description         []string
	examples            []string
	aliases             []string
	commands            []*cli.Command
	flags               []cli.Flag
}

// commandPage reads the help of command c, called path ("skiff network ls").
func commandPage(path string, c *cli.Command) helpPage {
	p := helpPage{summary: c.Usage, path: path, flags: withoutHelp(c.VisibleFlags()), aliases: c.Aliases}
	for _, sc := range c.VisibleCommands() {
		if sc.Name != "help" {
			p.commands = append(p.commands, sc)
		}
	}
	text, examples, _ := strings.Cut(c.ArgsUsage, "EXAMPLE:\n")
	args, rest, _ := strings.Cut(text, "\n")
	p.args = strings.TrimSpace(args)
	for _, para := range strings.Split(strings.TrimSpace(rest), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			p.description = append(p.description, strings.Join(strings.Fields(para), " "))
		}
	}
	for _, line := range strings.Split(examples, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.examples = append(p.examples, line)
		}
	}
	if c.Description != "" {
		p.description = append([]string{c.Description}, p.description...)
	}
	return p
}

func writeHelp(w io.Writer, width int, p helpPage) {
	var b strings.Builder
	line := func(indent int, s string) { wrapTo(&b, s, indent, indent+4, width) }
	if p.summary != "" {
		line(0, upperFirst(p.summary))
		b.WriteString("\n")
	}
	if len(p.description) > 0 {
		b.WriteString("Description:\n")
		for _, d := range p.description {
			line(2, d)
		}
		b.WriteString("\n")
	}
	b.WriteString("Usage:\n")
	switch {
	case len(p.commands) > 0:
		usage := p.path
		if len(p.flags) > 0 {
			usage += " [options]"
		}
		line(2, usage+" [command]")
	default:
		usage := p.path
		if len(p.flags) > 0 {
			usage += " [options]"
		}
		if p.args != "" {
			usage += " " + p.args
		}
		line(2, usage)
	}
	b.WriteString("\n")
	if len(p.aliases) > 0 {
		b.WriteString("Aliases:\n")
		line(2, strings.Join(p.aliases, ", "))
		b.WriteString("\n")
	}
	if len(p.examples) > 0 {
		b.WriteString("Examples:\n")
		for _, e := range p.examples {
			line(2, e)
		}
		b.WriteString("\n")
	}
	if len(p.commands) > 0 {
		b.WriteString("Available Commands:\n")
		var rows [][2]string
		for _, c := range p.commands {
			rows = append(rows, [2]string{c.Name, upperFirst(c.Usage)})
		}
		writeColumns(&b, rows, width)
		b.WriteString("\n")
	}
	if len(p.flags) > 0 {
		b.WriteString("Options:\n")
		var rows [][2]string
		for _, f := range p.flags {
			rows = append(rows, flagRow(f))
		}
		// Sorted by long name, as Podman's are.
		sort.SliceStable(rows, func(i, j int) bool {
			return strings.TrimLeft(longPart(rows[i][0]), "-") < strings.TrimLeft(longPart(rows[j][0]), "-")
		})
		writeColumns(&b, rows, width)
	}
	_, _ = io.WriteString(w, b.String())
}

// flagRow is an option's names and value placeholder, and its description with its default.
func flagRow(f cli.Flag) [2]string {
	var short, long []string
	for _, n := range f.Names() {
		if len(n) == 1 {
			short = append(short, "-"+n)
		} else {
			long = append(long, "--"+n)
		}
	}
	names := strings.Join(append(short, long...), ", ")
	if len(short) == 0 {
		names = "    " + names
	}
	usage := ""
	if d, ok := f.(cli.DocGenerationFlag); ok {
		placeholder, u := unquoteUsage(d.GetUsage())
		usage = u
		if d.TakesValue() {
			if placeholder == "" {
				placeholder = "value"
			}
			names += " " + placeholder
		}
		if def := d.GetDefaultText(); def != "" && def != `""` && def != "false" && def != "[]" {
			usage += " (default " + def + ")"
		}
	}
	return [2]string{names, upperFirst(usage)}
}

// writeColumns writes name/description rows: descriptions start in one column, wrapped to width; a name
// too long for the column gets its description on the next line.
func writeColumns(b *strings.Builder, rows [][2]string, width int) {
	col := 0
	for _, r := range rows {
		col = max(col, len(r[0]))
	}
	col = min(col+4, width/2, 36) // 2 of indent, 2 between
	for _, r := range rows {
		name := "  " + r[0]
		if len(name)+2 > col {
			wrapTo(b, r[0], 2, 6, width)
			if r[1] != "" {
				wrapTo(b, r[1], col, col, width)
			}
			continue
		}
		wrapTo(b, name+strings.Repeat(" ", col-len(name))+r[1], 0, col, width)
	}
}

// wrapTo writes s indented by first (its first line) and rest (the others), broken at spaces so that no
// line is longer than width characters; a word longer than a line is cut.
func wrapTo(b *strings.Builder, s string, first, rest, width int) {
	indent := first
	if trimmed := strings.TrimLeft(s, " "); trimmed != s {
		// Already laid out (a row of writeColumns): keep its leading spaces.
		indent += len(s) - len(trimmed)
		s = trimmed
	}
	var line []rune
	wrote := false
	flush := func() {
		b.WriteString(strings.Repeat(" ", indent) + strings.TrimRight(string(line), " ") + "\n")
		indent, line, wrote = rest, nil, true
	}
	// Words keep the spaces after them, so runs of spaces that align columns survive.
	for _, w := range splitKeepRuns(s) {
		word := []rune(w)
		if len(line) > 0 && indent+len(line)+len([]rune(strings.TrimRight(w, " "))) > width {
			flush()
			word = []rune(strings.TrimLeft(w, " "))
		}
		for indent+len(line)+len([]rune(strings.TrimRight(string(word), " "))) > width {
			room := max(width-indent-len(line), 1)
			line = append(line, word[:room]...)
			word = word[room:]
			flush()
		}
		line = append(line, word...)
	}
	if len(line) > 0 || !wrote {
		flush()
	}
}

// splitKeepRuns splits s into words, each with the spaces that follow it.
func splitKeepRuns(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && (i+1 == len(s) || s[i+1] != ' ') {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// unquoteUsage returns the `PLACEHOLDER` named in a flag's usage and the usage without the backquotes,
// as urfave/cli reads them.
func unquoteUsage(usage string) (string, string) {
	before, rest, ok := strings.Cut(usage, "`")
	if !ok {
		return "", usage
	}
	name, after, ok := strings.Cut(rest, "`")
	if !ok {
		return "", usage
	}
	return name, before + name + after
}

// longPart is the part of an option row from its long name on ("--all" of "-a, --all").
func longPart(names string) string {
	if i := strings.Index(names, "--"); i >= 0 {
		return names[i:]
	}
	return strings.TrimSpace(names)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// helpCommand is `skiff help [COMMAND...]`: the help of a verb, as `skiff COMMAND --help` prints it.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help of skiff or of a command",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]\n\nEXAMPLE:\n   skiff help network create",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return cli.ShowAppHelp(c)
			}
			cmds, path := c.App.Commands, c.App.HelpName
			var found *cli.Command
			for _, name := range c.Args().Slice() {
				found = findCommand(cmds, name)
				if found == nil {
					return fmt.Errorf("unknown help topic %q (see '%s --help')", strings.Join(c.Args().Slice(), " "), path)
				}
				path += " " + found.Name
				cmds = found.Subcommands
			}
			writeHelp(c.App.Writer, helpWidth(), commandPage(path, found))
			return nil
		},
	}
}
