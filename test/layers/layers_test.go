package layers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the project's module path; packages below are named relative to it.
const module = "github.com/skiffproject/skiff"

// layers are the project's layers, lowest first. A package may import the packages of lower layers, and
// those of its own layer when the layer allows it (intra), never those of a higher layer. A package is
// placed by the longest entry that is its path or a parent of it. Add a new package here (or under an
// entry that covers it), and say so in its doc.go and in the README's Layout table.
var layers = []layer{
	{
		name: "ground",
		what: "kernel, process and format primitives that every layer may use",
		packages: []string{"userns", "proc", "trace", "cgroups", "events", "report", "containersconf",
			"systemd", "systemd/notify"},
	},
	{
		name:  "services",
		what:  "what the engine is built from: storage, images, volumes, the OCI runtime and monitor, networks, devices, secrets, health checks, unit generation, the build context",
		intra: true,
		packages: []string{"record", "fuseoverlay", "image", "volume", "runtime", "slirpnet", "netbridge", "cdi",
			"secrets", "health", "systemd/unit", "systemd/quadlet", "build"},
	},
	{
		name:     "engine",
		what:     "the container lifecycle and its network and pod wiring",
		intra:    true,
		packages: []string{"container"}, // container/netwire, container/podwire too
	},
	{
		name:     "engine users",
		what:     "concepts built on containers: how they are shown, their files, pods, Kubernetes YAML, system-wide verbs",
		intra:    true,
		packages: []string{"container/view", "container/files", "pods", "kube", "system"},
	},
	{
		name:     "front ends",
		what:     "APIs that turn requests into typed options and call the packages below: the Docker API",
		packages: []string{"api"},
	},
	{
		name:     "executables",
		what:     "the binaries: flags into typed options, the binary's roles, exit codes; they call the front ends and the packages below",
		packages: []string{"cmd", "slirpnet/cmd"},
	},
	{
		name:     "tests and tools",
		what:     "end-to-end tests, this test, and the test bed's tools: nothing imports them",
		intra:    true,
		packages: []string{"test", "hack"},
	},
}

// importsNothing lists packages that may import no other project package whatever their layer.
var importsNothing = map[string]string{
	"userns": "its cgo constructor joins the user's namespace before the Go runtime starts, for every role of the binary: nothing it imports may need more",
}

type layer struct {
	name     string
	what     string
	intra    bool
	packages []string
}

type pkg struct {
	ImportPath   string
	Dir          string
	Name         string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// rel is a package's path relative to the module, or "" for another module's package.
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return ""
}

// layerOf returns the index of the layer that holds the package at rel, or -1.
func layerOf(rel string) int {
	best, bestLen := -1, -1
	for i, l := range layers {
		for _, p := range l.packages {
			if (rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	return best
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", "-tags", "exclude_graphdriver_btrfs containers_image_openpgp", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// violations returns what is wrong with the imports of the package at from.
func violations(from string, imports []string) []string {
	var bad []string
	lf := layerOf(from)
	if lf < 0 {
		return []string{from + " is in no layer: add it to the table in test/layers"}
	}
	for _, imp := range imports {
		to := rel(imp)
		if to == "" {
			continue
		}
		lt := layerOf(to)
		switch {
		case to == "cmd" || strings.HasPrefix(to, "cmd/") || strings.Contains(to, "/cmd/"):
			bad = append(bad, from+" imports "+to+": nothing imports an executable's package (cmd/…)")
		case importsNothing[from] != "":
			bad = append(bad, from+" imports "+to+": it imports no project package ("+importsNothing[from]+")")
		case lt < 0:
			bad = append(bad, from+" imports "+to+", which is in no layer")
		case lt > lf:
			bad = append(bad, from+" ("+layers[lf].name+") imports "+to+" ("+layers[lt].name+"), a higher layer")
		case lt == lf && !layers[lf].intra && from != to:
			bad = append(bad, from+" imports "+to+": packages of the "+layers[lf].name+" layer do not import each other")
		}
	}
	return bad
}

// Every package's imports keep to the layers.
func TestImportLayers(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		imports := slices.Concat(p.Imports, p.TestImports, p.XTestImports)
		for _, v := range violations(from, imports) {
			t.Error(v)
		}
	}
}

// The rules catch what they are for: a test that cannot fail proves nothing.
func TestImportRulesCatch(t *testing.T) {
	tests := []struct {
		from    string
		imports []string
		want    string // "" for no violation
	}{
		{"container", []string{module + "/runtime/oci", module + "/userns", "fmt"}, ""},
		{"pods", []string{module + "/container"}, ""},
		{"netbridge", []string{module + "/slirpnet"}, ""},
		{"container", []string{module + "/pods"}, "a higher layer"},
		{"image", []string{module + "/container"}, "a higher layer"},
		{"system", []string{module + "/cmd/skiff"}, "cmd/…"},
		{"test/e2e", []string{module + "/slirpnet/cmd/skiff-netkeeper"}, "cmd/…"},
		{"userns", []string{module + "/trace"}, "imports no project package"},
		{"proc", []string{module + "/trace"}, "do not import each other"},
		{"newthing", nil, "in no layer"},
	}
	for _, tt := range tests {
		got := strings.Join(violations(tt.from, tt.imports), "; ")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("violations(%s, %v) = %q, want %q", tt.from, tt.imports, got, tt.want)
		}
	}
}

// Every package has a doc.go whose package comment says what it owns and names its layer, as the
// table places it.
func TestDocGo(t *testing.T) {
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		l := layerOf(from)
		if l < 0 {
			continue // TestImportLayers reports it
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, "doc.go"), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Errorf("%s: %v", from, err)
			continue
		}
		doc := strings.Join(strings.Fields(f.Doc.Text()), " ")
		if want := "the " + layers[l].name + " layer"; !strings.Contains(doc, want) {
			t.Errorf("%s/doc.go: the package comment does not say %q", from, want)
		}
		if !strings.Contains(doc, "must not import") && !strings.Contains(doc, "imports no") {
			t.Errorf("%s/doc.go: the package comment does not say what it must not import", from)
		}
	}
}

// The README's Layout table names, for every path it lists, the layer the table puts it in, and lists a
// path for every package.
func TestReadmeLayout(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]string{} // path → layer
	inLayout := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			inLayout = line == "## Layout"
		case inLayout && strings.HasPrefix(line, "| `"):
			cells := strings.Split(line, "|")
			if len(cells) < 4 {
				t.Fatalf("README Layout row %q: want | path | layer | what it holds |", line)
			}
			path := strings.TrimSuffix(strings.Trim(strings.TrimSpace(cells[1]), "`"), "/")
			rows[path] = strings.TrimSpace(cells[2])
		}
	}
	if len(rows) == 0 {
		t.Fatal("README.md has no Layout table")
	}
	for path, name := range rows {
		l := layerOf(path)
		if l < 0 {
			t.Errorf("README Layout lists %s, which is in no layer", path)
			continue
		}
		if layers[l].name != name {
			t.Errorf("README Layout puts %s in %q, the table in %q", path, name, layers[l].name)
		}
	}
	for _, p := range listPackages(t) {
		from := rel(p.ImportPath)
		covered := false
		for path := range rows {
			covered = covered || from == path || strings.HasPrefix(from, path+"/")
		}
		if !covered {
			t.Errorf("README Layout has no row for %s", from)
		}
	}
}
