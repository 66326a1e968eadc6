package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"text/template"
	"unicode"
)

// Template is a parsed --format value.
type Template struct {
	tmpl    *template.Template
	table   bool
	json    bool
	headers []string
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"title":    func(s string) string { return strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):] },
	"join":     strings.Join,
	"split":    strings.Split,
	"truncate": func(s string, n int) string { return s[:min(n, len(s))] },
	"pad": func(s string, n int) string {
		return s + strings.Repeat(" ", max(0, n-len(s)))
	},
}

var fieldRe = regexp.MustCompile(`\{\{\s*\.(\w+)`)

// Parse parses format. headers maps a field name to its column header (e.g. "ID" → "IMAGE ID"); a field
// without an entry gets its name split at case changes and upper-cased.
func Parse(format string, headers map[string]string) (*Template, error) {
	t := &Template{}
	f := strings.TrimSpace(format)
	switch {
	case f == "json" || f == "{{json .}}" || f == "{{ json . }}":
		t.json = true
		return t, nil
	case f == "table":
		return nil, fmt.Errorf("format %q: a table needs columns, e.g. \"table {{.ID}}\\t{{.Names}}\"", format)
	case strings.HasPrefix(f, "table "):
		t.table = true
		f = strings.TrimSpace(strings.TrimPrefix(f, "table "))
	}
	// Podman and Docker accept the two-character escapes \t and \n in a format.
	f = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(f)
	if t.table {
		for _, m := range fieldRe.FindAllStringSubmatch(f, -1) {
			h, ok := headers[m[1]]
			if !ok {
				h = splitCamel(m[1])
			}
			t.headers = append(t.headers, h)
		}
		// Columns are tab separated in a table even when the user wrote spaces between fields.
		if !strings.Contains(f, "\t") {
			f = strings.Join(strings.Fields(f), "\t")
		}
	}
	if !strings.HasSuffix(f, "\n") {
		f += "\n"
	}
	tmpl, err := template.New("format").Funcs(funcs).Option("missingkey=zero").Parse(f)
	if err != nil {
		return nil, fmt.Errorf("parse format %q: %w", format, err)
	}
	t.tmpl = tmpl
	return t, nil
}

// IsJSON reports whether the template prints the rows as one JSON document.
func (t *Template) IsJSON() bool { return t.json }

// Execute renders rows (each element is one row's data) to w.
func (t *Template) Execute(w io.Writer, rows []any) error {
	if t.json {
		b, err := json.MarshalIndent(rows, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	out := w
	var tw *tabwriter.Writer
	if t.table {
		tw = tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)
		out = tw
		fmt.Fprintln(tw, strings.Join(t.headers, "\t"))
	}
	for _, r := range rows {
		var buf bytes.Buffer
		if err := t.tmpl.Execute(&buf, r); err != nil {
			return fmt.Errorf("execute format: %w", err)
		}
		if _, err := out.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// ExecuteOne renders a single value, as `inspect --format` and `info --format` do. The "json" format prints
// v itself rather than a list.
func (t *Template) ExecuteOne(w io.Writer, v any) error {
	if t.json {
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return t.Execute(w, []any{v})
}

func splitCamel(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
