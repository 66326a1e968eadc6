package containersconf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadBuiltinHPC(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", "/home/alice")
	wd, _ := os.Getwd()
	c, err := Load([]string{"hpc"})
	if err != nil {
		t.Fatal(err)
	}
	want := Containers{UserNS: "keep-id", NetNS: "host", IPCNS: "host", PIDNS: "host",
		Volumes: []string{"/home/alice:/home/alice", wd + ":" + wd}, Workdir: wd, Env: []string{"HOME=/home/alice"}}
	if c.UserNS != want.UserNS || c.NetNS != want.NetNS || c.IPCNS != want.IPCNS || c.Workdir != want.Workdir ||
		!slices.Equal(c.Volumes, want.Volumes) || !slices.Equal(c.Env, want.Env) || c.PIDNS != want.PIDNS {
		t.Fatalf("hpc = %+v, want %+v", c, want)
	}
}

func TestLoadUserModule(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	dir := filepath.Join(cfg, "containers", "containers.conf.modules")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A user's hpc.conf replaces the built-in one.
	write("hpc.conf", "[containers]\nnetns = \"none\"\nenv = [\"A=$HOME\"]\n")
	write("pid.conf", "[containers]\npidns = \"host\"\nnetns = \"host\"\n")
	write("bad.conf", "[engine]\nruntime = \"crun\"\n")
	t.Setenv("HOME", "/h")
	c, err := Load([]string{"hpc", "pid"})
	if err != nil {
		t.Fatal(err)
	}
	if c.NetNS != "host" || c.PIDNS != "host" || c.UserNS != "" || !slices.Equal(c.Env, []string{"A=/h"}) {
		t.Fatalf("hpc+pid = %+v", c)
	}
	if _, err := Load([]string{"bad"}); err == nil || !strings.Contains(err.Error(), "engine.runtime") {
		t.Fatalf("a module with [engine] settings: err = %v, want a refusal naming engine.runtime", err)
	}
	if _, err := Load([]string{"nosuch"}); !errors.Is(err, ErrUnknownModule) {
		t.Fatalf("unknown module: err = %v", err)
	}
	if _, err := Load([]string{filepath.Join(dir, "pid.conf")}); err != nil {
		t.Fatalf("module by path: %v", err)
	}
}
