package keeper

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The test binary, re-executed as the keeper (command's fallback), serves as one.
func TestMain(m *testing.M) {
	if os.Args[0] == Argv0 {
		if err := Serve(os.Args); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", Argv0, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The keeper runs from its own executable next to skiff's when one is there, else from skiff itself.
func TestCommandPrefersTheHelperExecutable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(filepath.Dir(self), Binary)
	if _, err := os.Stat(helper); err == nil {
		t.Fatalf("%s exists before the test", helper)
	}
	if cmd := command("{}"); cmd.Path == helper || cmd.Args[0] != Argv0 {
		t.Errorf("without %s: command %s %v, want skiff re-executed as %s", Binary, cmd.Path, cmd.Args, Argv0)
	}
	if err := os.WriteFile(helper, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(helper) })
	cmd := command(`{"dir":"/x"}`)
	if cmd.Path != helper || len(cmd.Args) != 2 || cmd.Args[0] != Argv0 || cmd.Args[1] != `{"dir":"/x"}` {
		t.Errorf("with %s: command %s %v, want it with argv0 %s and the configuration", Binary, cmd.Path, cmd.Args, Argv0)
	}
}
