package layers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// initAllowed lists the packages that may have an init function, and why: no other package sets
// state before main runs (cmd/skiff/roles.go).
var initAllowed = map[string]string{
	"userns": "the Go half of the C constructor that joins the user's namespace: it publishes what the constructor did before any Go code reads the environment",
}

// exitAllowed lists the library packages that may call os.Exit, and why; package main may.
var exitAllowed = map[string]string{
	"test/harness": "its Main is the TestMain of the end-to-end test binaries",
}

// Only main and the role entry points it calls end the process, and no package sets state in init.
func TestEntryPoints(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "init" && initAllowed[from] == "" {
					t.Errorf("%s/%s: func init: set state where main or a role's entry point asks for it", from, name)
				}
			}
			if p.Name == "main" || exitAllowed[from] != "" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "os" && sel.Sel.Name == "Exit" {
					t.Errorf("%s/%s: os.Exit below main: return an error (or a role's exit code) instead", from, name)
				}
				return true
			})
		}
	}
}
