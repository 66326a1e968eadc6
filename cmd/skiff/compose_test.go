package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFindCompose(t *testing.T) {
	tests := []struct {
		name   string
		plugin bool // an executable docker-compose in the plugin directory
		inPath bool // an executable docker-compose in PATH
		want   string
	}{
		{"plugin first", true, true, "plugin"},
		{"docker-compose in PATH", false, true, "path"},
		{"none", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			plugins, bin := filepath.Join(dir, "plugins"), filepath.Join(dir, "bin")
			for _, d := range []string{plugins, bin} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tt.plugin {
				writeExecutable(t, filepath.Join(plugins, "docker-compose"))
			}
			if tt.inPath {
				writeExecutable(t, filepath.Join(bin, "docker-compose"))
			}
			saved := composePluginDirs
			composePluginDirs = []string{plugins}
			defer func() { composePluginDirs = saved }()
			t.Setenv("HOME", dir)
			t.Setenv("DOCKER_CONFIG", "")
			t.Setenv("PATH", bin)
			got, err := findCompose()
			switch tt.want {
			case "":
				if !errors.Is(err, errNoCompose) {
					t.Fatalf("findCompose() = %q, %v; want errNoCompose", got, err)
				}
			case "plugin":
				if got != filepath.Join(plugins, "docker-compose") {
					t.Fatalf("findCompose() = %q, %v; want the plugin", got, err)
				}
			case "path":
				if got != filepath.Join(bin, "docker-compose") {
					t.Fatalf("findCompose() = %q, %v; want the one in PATH", got, err)
				}
			}
		})
	}
}

func writeExecutable(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestComposeEnv(t *testing.T) {
	got := composeEnv([]string{"HOME=/h", "DOCKER_HOST=tcp://x:2375", "DOCKER_CONTEXT=remote", "DOCKER_TLS_VERIFY=1", "PATH=/bin"})
	want := []string{"HOME=/h", "PATH=/bin"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("composeEnv = %q, want %q", got, want)
	}
}
