package main

import (
	"bufio"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

var update = flag.Bool("update", false, "rewrite docs/compat.md")

// readerMethods are the cli.Context methods that read a flag's value.
var readerMethods = map[string]bool{
	"String": true, "StringSlice": true, "Bool": true, "Int": true, "Int64": true, "Uint": true, "Uint64": true,
	"Float64": true, "Duration": true, "IsSet": true, "Value": true, "Generic": true, "Timestamp": true,
	"Path": true, "Count": true, "IntSlice": true,
}

// flagsRead returns the flag names the package's (non-test) code reads through a cli.Context: the literal
// argument of c.String("name") and its kin, and the literals of a []string{…} ranged over to read each.
func flagsRead(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	isRead := func(call *ast.CallExpr) (ast.Expr, bool) {
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "flagOr" && len(call.Args) == 3 {
			return call.Args[1], true // flagOr(c, "name", module): the flag, else a module's default
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !readerMethods[sel.Sel.Name] || len(call.Args) != 1 {
			return nil, false
		}
		return call.Args[0], true
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if arg, ok := isRead(n); ok {
					if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						read[s] = true
					}
				}
			case *ast.RangeStmt:
				lit, ok := n.X.(*ast.CompositeLit)
				v, ok2 := n.Value.(*ast.Ident)
				if !ok || !ok2 {
					return true
				}
				used := false
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if call, ok := m.(*ast.CallExpr); ok {
						if arg, ok := isRead(call); ok {
							// v itself ([]string{…}), or a field of v ([]struct{name …}{{"flag", …}, …}).
							if sel, ok := arg.(*ast.SelectorExpr); ok {
								arg = sel.X
							}
							if id, ok := arg.(*ast.Ident); ok && id.Name == v.Name {
								used = true
							}
						}
					}
					return true
				})
				if used {
					for _, e := range lit.Elts {
						if row, ok := e.(*ast.CompositeLit); ok && len(row.Elts) > 0 {
							e = row.Elts[0] // a table row: the flag's name comes first
						}
						if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
							s, _ := strconv.Unquote(b.Value)
							read[s] = true
						}
					}
				}
			}
			return true
		})
	}
	return read
}

// TestFlagsHaveHandlers: every flag skiff's command line accepts is read by some handler. A flag that
// nothing reads would be accepted and ignored.
func TestFlagsHaveHandlers(t *testing.T) {
	read := flagsRead(t)
	app := newApp()
	check := func(path string, flags []cli.Flag) {
		for _, f := range flags {
			name := f.Names()[0]
			if name != "help" && !read[name] {
				t.Errorf("skiff %s --%s is accepted but no handler reads it", path, name)
			}
		}
	}
	check("", app.Flags)
	eachCommand(app.Commands, "", func(path string, c *cli.Command) { check(path, c.Flags) })
}

// podmanFlag is one line of testdata/podman-flags.txt.
type podmanFlag struct{ path, long, short string }

func podmanFlags(t *testing.T) (string, []podmanFlag) {
	t.Helper()
	f, err := os.Open("testdata/podman-flags.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var header string
	var out []podmanFlag
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "#") {
			header = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			t.Fatalf("testdata/podman-flags.txt: bad line %q", line)
		}
		out = append(out, podmanFlag{parts[0], parts[1], parts[2]})
	}
	return header, out
}

// skiffCommand finds the command at path ("container run"; "" is the app itself).
func skiffCommand(app *cli.App, path string) (flags []cli.Flag, ok bool) {
	if path == "" {
		return append(app.Flags, cli.VersionFlag), true // urfave/cli adds --version when the app runs
	}
	cmds := app.Commands
	var c *cli.Command
	for _, name := range strings.Fields(path) {
		if c = findCommand(cmds, name); c == nil {
			return nil, false
		}
		cmds = c.Subcommands
	}
	return c.Flags, true
}

// TestCompat writes docs/compat.md: for every Podman 4.3 verb, the flags skiff accepts and those it
// lacks, from skiff's command-line definition and testdata/podman-flags.txt. It fails when the file is
// stale (go test ./cmd/skiff -run TestCompat -update rewrites it).
func TestCompat(t *testing.T) {
	header, pflags := podmanFlags(t)
	app := newApp()
	type row struct {
		path                   string
		have, total            int
		missing, short, extras []string
		absent                 bool
	}
	var rows []*row
	byPath := map[string]*row{}
	for _, pf := range pflags {
		if pf.long == "help" {
			continue
		}
		r := byPath[pf.path]
		if r == nil {
			r = &row{path: pf.path}
			byPath[pf.path] = r
			rows = append(rows, r)
		}
		r.total++
		flags, ok := skiffCommand(app, pf.path)
		if !ok {
			r.absent = true
			continue
		}
		f := lookupFlag(flags, pf.long)
		if f == nil {
			r.missing = append(r.missing, "--"+pf.long)
			continue
		}
		r.have++
		if pf.short != "" && lookupFlag(flags, pf.short) != f {
			r.short = append(r.short, "-"+pf.short)
		}
	}
	for _, r := range rows {
		flags, ok := skiffCommand(app, r.path)
		if !ok {
			continue
		}
		known := map[string]bool{}
		for _, pf := range pflags {
			if pf.path == r.path {
				known[pf.long] = true
			}
		}
		for _, f := range flags {
			if n := f.Names()[0]; !known[n] && n != "help" {
				r.extras = append(r.extras, "--"+n)
			}
		}
		sort.Strings(r.extras)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# skiff and Podman's flags\n\nGenerated by `go test ./cmd/skiff -run TestCompat -update` from skiff's command-line definition and\n"+
		"`cmd/skiff/testdata/podman-flags.txt` (%s). Do not edit.\n\n", header)
	b.WriteString("Every flag skiff accepts is read by a handler (TestFlagsHaveHandlers): a flag is either listed as\n" +
		"missing here or it works (or refuses a value it cannot honour, in one line).\n\n")
	b.WriteString("| podman command | skiff has | missing in skiff | short forms missing | skiff only |\n|---|---|---|---|---|\n")
	have, total := 0, 0
	for _, r := range rows {
		name := strings.TrimSpace("podman " + r.path)
		if r.path == "" {
			name = "podman (global options)"
		}
		have += r.have
		total += r.total
		if r.absent {
			fmt.Fprintf(&b, "| %s | no such command | all %d | | |\n", name, r.total)
			continue
		}
		fmt.Fprintf(&b, "| %s | %d of %d | %s | %s | %s |\n", name, r.have, r.total,
			strings.Join(r.missing, " "), strings.Join(r.short, " "), strings.Join(r.extras, " "))
	}
	fmt.Fprintf(&b, "\nIn all: %d of Podman's %d flags.\n", have, total)
	const doc = "../../docs/compat.md"
	if *update {
		if err := os.MkdirAll(filepath.Dir(doc), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(doc, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	cur, err := os.ReadFile(doc)
	if err != nil || string(cur) != b.String() {
		t.Errorf("docs/compat.md is stale: run go test ./cmd/skiff -run TestCompat -update")
	}
}
