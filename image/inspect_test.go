package image

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; got:\n%s", path, got)
	}
}

func TestInspectGolden(t *testing.T) {
	f := newFixture(t)
	data, err := Inspect(context.Background(), f.store, "quay.io/x/child:2")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "     ")
	if err := enc.Encode([]*Data{data}); err != nil {
		t.Fatal(err)
	}
	golden(t, "inspect-child.golden", buf.Bytes())

	// The fields scripts use most, through a --format template.
	tmpl := template.Must(template.New("").Parse("{{.Config.Env}} {{.Os}} {{len .RootFS.Layers}} {{.Parent}} {{.GraphDriver.Name}}"))
	var out strings.Builder
	if err := tmpl.Execute(&out, data); err != nil {
		t.Fatal(err)
	}
	if want := "[A=B C=D] linux 2 " + f.base + " vfs"; out.String() != want {
		t.Errorf("template output %q, want %q", out.String(), want)
	}
	if _, err := Inspect(context.Background(), f.store, "nosuch"); err == nil || err.Error() != "nosuch: image not known" {
		t.Errorf("Inspect(nosuch) = %v", err)
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	entries, err := History(context.Background(), f.store, "quay.io/x/child:2")
	if err != nil {
		t.Fatal(err)
	}
	rows := HistoryRows(entries, false, false)
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.ID, r.Created, r.CreatedBy, r.Size, r.Comment}, "|"))
	}
	// Newest first: the ENV step made no layer, the second layer is the child's top layer, the first
	// is base's top layer (so it shows base's ID).
	want := []string{
		shortID(f.child) + "|2024-01-05T03:04:05Z|/bin/sh -c #(nop) ENV X=1|0|",
		"<missing>|2024-01-05T03:04:05Z|/bin/sh -c #(nop) ADD file:layer1 in / |" + size(t, entries[1]) + "|",
		shortID(f.base) + "|2024-01-05T03:04:05Z|/bin/sh -c #(nop) ADD file:layer0 in / |" + size(t, entries[2]) + "|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history rows =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if entries[1].Size <= 0 || entries[2].Size <= 0 {
		t.Errorf("layer sizes %d %d", entries[1].Size, entries[2].Size)
	}
	if !strings.Contains(strings.Join(entries[0].Tags, " "), "quay.io/x/child:2") {
		t.Errorf("top entry tags = %v", entries[0].Tags)
	}
	long := HistoryRows([]HistoryEntry{{ID: f.child, CreatedBy: strings.Repeat("x", 50), Size: 4493955}}, false, true)[0]
	if long.CreatedBy != strings.Repeat("x", 42)+"..." || long.ID != shortID(f.child) || long.Size != "4.49 MB" {
		t.Errorf("truncated row = %+v", long)
	}
	full := HistoryRows([]HistoryEntry{{ID: f.child, CreatedBy: strings.Repeat("x", 50)}}, true, true)[0]
	if full.CreatedBy != strings.Repeat("x", 50) || full.ID != f.child {
		t.Errorf("--no-trunc row = %+v", full)
	}
	b, err := json.Marshal(entries[:1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"created":"2024-01-05T03:04:05Z","CreatedBy":"/bin/sh -c #(nop) ENV X=1","tags":[`) || !strings.Contains(string(b), `"Created":"2024-01-05T03:04:05Z"`) {
		t.Errorf("history JSON = %s", b)
	}
}

func size(t *testing.T, e HistoryEntry) string {
	t.Helper()
	return strings.TrimSpace(strings.TrimSuffix(HistoryRows([]HistoryEntry{e}, false, false)[0].Size, "\n"))
}
