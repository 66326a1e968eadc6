package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The table of roles is true: each constructor role's variable is read by its C file, each verb role is
// a hidden verb, each argv[0] role has an entry point and a name no other role uses.
func TestRolesTable(t *testing.T) {
	seen := map[string]string{}
	for _, r := range roles {
		if r.name == "" || r.doc == "" {
			t.Errorf("role %+v: want a name and a doc", r)
		}
		switch r.by {
		case byConstructor:
			b, err := os.ReadFile(filepath.Join("..", "..", r.source))
			if err != nil {
				t.Fatalf("role %s: %v", r.name, err)
			}
			if !strings.Contains(string(b), `getenv("`+r.env+`")`) || !strings.Contains(string(b), "__attribute__((constructor))") {
				t.Errorf("role %s: %s has no constructor reading %s", r.name, r.source, r.env)
			}
		case byArgv0:
			if r.run == nil || len(r.argv0) == 0 {
				t.Errorf("role %s: an argv[0] role needs names and an entry point", r.name)
			}
			for _, n := range r.argv0 {
				if other, ok := seen[n]; ok {
					t.Errorf("argv[0] %s picks both %s and %s", n, other, r.name)
				}
				seen[n] = r.name
			}
		case byVerb:
			path := strings.Fields(r.name)
			cmds := newApp().Commands
			var found bool
			for i, name := range path {
				found = false
				for _, c := range cmds {
					if c.Name == name {
						found = i < len(path)-1 || c.Hidden
						cmds = c.Subcommands
						break
					}
				}
			}
			if !found {
				t.Errorf("role %s: no hidden verb skiff %s", r.name, r.name)
			}
		}
	}
}

func TestPickRole(t *testing.T) {
	tests := []struct {
		argv0 string
		want  string // "" for the command line
	}{
		{"skiff", ""},
		{"/usr/local/bin/skiff", ""},
		{"skiff-netbridge", "skiff-netbridge"},
		{"skiff-netkeeper", "skiff-netkeeper"},
		{"/usr/local/lib/systemd/user-generators/skiff-user-generator", generatorName},
		{"storage-untar", "containers/storage's helpers"},
		{"skiff-pause", ""}, // a constructor's role: Go never sees it
	}
	for _, tt := range tests {
		got := ""
		if r := pickRole([]string{tt.argv0, "x"}); r != nil {
			got = r.name
		}
		if got != tt.want {
			t.Errorf("pickRole(%q) = %q, want %q", tt.argv0, got, tt.want)
		}
	}
}
