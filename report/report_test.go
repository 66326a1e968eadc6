package report

import (
	"bytes"
	"testing"
)

type row struct {
	ID         string
	Repository string
	CreatedAt  string
	Labels     map[string]string
}

func TestExecute(t *testing.T) {
	rows := []any{
		row{ID: "abc", Repository: "localhost/x", CreatedAt: "now", Labels: map[string]string{"a": "b"}},
		row{ID: "defghi", Repository: "y", CreatedAt: "then"},
	}
	headers := map[string]string{"ID": "IMAGE ID"}
	tests := []struct {
		format, want string
	}{
		{"{{.ID}}", "abc\ndefghi\n"},
		{`{{.ID}}\t{{.Repository}}`, "abc\tlocalhost/x\ndefghi\ty\n"},
		{"table {{.ID}} {{.Repository}}", "IMAGE ID    REPOSITORY\nabc         localhost/x\ndefghi      y\n"},
		{"table {{.CreatedAt}}", "CREATED AT\nnow\nthen\n"},
		{"{{json .Labels}}", "{\"a\":\"b\"}\nnull\n"},
		{"{{.Labels.a}}", "b\n\n"},
	}
	for _, tt := range tests {
		tmpl, err := Parse(tt.format, headers)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.format, err)
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, rows); err != nil {
			t.Fatalf("Execute(%q): %v", tt.format, err)
		}
		if buf.String() != tt.want {
			t.Errorf("format %q:\ngot  %q\nwant %q", tt.format, buf.String(), tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, f := range []string{"table", "{{.ID", "{{nosuchfunc .}}"} {
		if _, err := Parse(f, nil); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", f)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, f := range []string{"json", "{{json .}}"} {
		tmpl, err := Parse(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, []any{row{ID: "a"}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(buf.Bytes(), []byte(`"ID": "a"`)) || buf.Bytes()[0] != '[' {
			t.Errorf("format %q: got %s", f, buf.String())
		}
	}
}
