package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "s")
	if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := func() Options { return Options{ContextDir: dir, Pull: PullMissing, Format: "oci"} }
	tests := []struct {
		name string
		edit func(*Options)
		want string // "" = valid
	}{
		{"defaults", func(*Options) {}, ""},
		{"missing context", func(o *Options) { o.ContextDir = filepath.Join(dir, "nope") }, "build context"},
		{"context is a file", func(o *Options) { o.ContextDir = secret }, "not a directory"},
		{"no Dockerfile", func(o *Options) { o.ContextDir = t.TempDir() }, "no Containerfile or Dockerfile"},
		{"missing -f", func(o *Options) { o.Dockerfiles = []string{filepath.Join(dir, "Other")} }, "Containerfile"},
		{"pull", func(o *Options) { o.Pull = "sometimes" }, "--pull"},
		{"format", func(o *Options) { o.Format = "tar" }, "--format"},
		{"network", func(o *Options) { o.Network = "mynet" }, "--network"},
		{"secret", func(o *Options) { o.Secrets = []string{"id=a,src=" + secret} }, ""},
		{"secret without src", func(o *Options) { o.Secrets = []string{"id=a"} }, "--secret"},
		{"secret missing file", func(o *Options) { o.Secrets = []string{"id=a,src=/nonexistent"} }, "--secret a"},
		{"label", func(o *Options) { o.Labels = []string{"=x"} }, "--label"},
	}
	for _, tt := range tests {
		o := ok()
		tt.edit(&o)
		err := o.Check()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	o := ok()
	if err := o.Check(); err != nil || len(o.Dockerfiles) != 1 || filepath.Base(o.Dockerfiles[0]) != "Dockerfile" {
		t.Errorf("default Dockerfile: %v %v", o.Dockerfiles, err)
	}
}
