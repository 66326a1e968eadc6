package image

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	stypes "github.com/containers/storage/types"
)

// helperEnv selects a helper role when the test binary re-executes itself (see TestMain).
const helperEnv = "SKIFF_IMAGE_TEST_HELPER"

// runHelper plays a role in a re-executed test binary. "pull" pulls $SKIFF_TEST_SRC into the vfs
// store at $SKIFF_TEST_GRAPH and $SKIFF_TEST_RUN (plain http allowed) and prints the image ID.
func runHelper(role string) int {
	if role != "pull" {
		fmt.Fprintf(os.Stderr, "unknown helper role %q\n", role)
		return 2
	}
	store, err := storage.GetStore(stypes.StoreOptions{
		GraphRoot:       os.Getenv("SKIFF_TEST_GRAPH"),
		RunRoot:         os.Getenv("SKIFF_TEST_RUN"),
		GraphDriverName: "vfs",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _, _ = store.Shutdown(false) }()
	ids, err := Pull(context.Background(), store, os.Getenv("SKIFF_TEST_SRC"), PullOptions{System: SystemOptions{SkipTLSVerify: types.OptionalBoolTrue}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ids[0])
	return 0
}

// pullProcess prepares a re-executed test binary that pulls src into store.
func pullProcess(t *testing.T, store storage.Store, src string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=pull",
		"SKIFF_TEST_GRAPH="+store.GraphRoot(), "SKIFF_TEST_RUN="+store.RunRoot(), "SKIFF_TEST_SRC="+src,
		// A killed pull leaves its staging directory behind; keep it inside the test's own directory.
		"TMPDIR="+t.TempDir())
	return cmd
}

// checkStore fails the test when c/storage's own consistency check finds damage.
func checkStore(t *testing.T, store storage.Store) {
	t.Helper()
	rep, err := store.Check(storage.CheckEverything())
	if err != nil {
		t.Fatalf("check store: %v", err)
	}
	for what, damage := range map[string]map[string][]error{"layer": rep.Layers, "read-only layer": rep.ROLayers, "image": rep.Images, "read-only image": rep.ROImages, "container": rep.Containers} {
		for id, errs := range damage {
			t.Fatalf("store damaged: %s %s: %d problems, first: %v", what, shortID(id), len(errs), errs[0])
		}
	}
	layers, err := store.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if l.Flags["incomplete"] == true {
			t.Fatalf("layer %s is still marked incomplete", shortID(l.ID))
		}
	}
}
