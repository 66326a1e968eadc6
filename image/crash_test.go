package image

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// manyFiles returns a layer of n small files, slow enough to apply that a test can catch it half done.
func manyFiles(prefix string, n int) map[string]string {
	files := make(map[string]string, n)
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("%s/d%03d/f%05d", prefix, i%100, i)] = prefix
	}
	return files
}

// Two processes pulling the same image into the same store at the same time both succeed and leave
// one image; containers/storage's locks serialize the commits.
func TestConcurrentPullProcesses(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	id := writeLayout(t, dir, "1", testImage{Layers: []map[string]string{manyFiles("a", 2000), manyFiles("b", 2000), {"c": "c"}}})
	host := (&fakeRegistry{dir: dir, repo: "x"}).start(t)
	for round := 0; round < 3; round++ {
		store := newStore(t)
		var outs [2]bytes.Buffer
		var errs [2]bytes.Buffer
		cmds := make([]*exec.Cmd, 2)
		for i := range cmds {
			cmds[i] = pullProcess(t, store, host+"/x:1")
			cmds[i].Stdout, cmds[i].Stderr = &outs[i], &errs[i]
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, cmd := range cmds {
			// cmd.Wait, not cmd.Process.Wait: it also waits until the output is copied into outs[i].
			if err := cmd.Wait(); err != nil {
				t.Fatalf("round %d: pull %d failed (%v): %s", round, i, err, errs[i].String())
			}
			if got := strings.TrimSpace(outs[i].String()); got != id.Encoded() {
				t.Errorf("round %d: pull %d printed %q, want %s", round, i, got, id.Encoded())
			}
		}
		imgs, err := store.Images()
		if err != nil || len(imgs) != 1 || imgs[0].ID != id.Encoded() {
			t.Fatalf("round %d: images after two pulls = %v, %v", round, imgs, err)
		}
		checkStore(t, store)
	}
}

// A pull killed with SIGKILL while a layer is downloading leaves the store consistent, and pulling
// again succeeds. The registry hangs halfway through the blob, so the kill lands mid-download every time.
func TestPullKilledMidDownload(t *testing.T) {
	store := newStore(t)
	dir := t.TempDir()
	id := writeLayout(t, dir, "1", testImage{Layers: []map[string]string{{"small": "s"}, manyFiles("big", 500)}})
	big := digest.FromBytes(tarLayer(t, manyFiles("big", 500)))
	reg := &fakeRegistry{dir: dir, repo: "x", stall: big, stalled: make(chan struct{})}
	host := reg.start(t)

	cmd := pullProcess(t, store, host+"/x:1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reg.stalled:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the pull never reached the big layer: %s", stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	checkStore(t, store)
	got, err := Pull(context.Background(), store, host+"/x:1", PullOptions{System: insecure})
	if err != nil || got[0] != id.Encoded() {
		t.Fatalf("re-pull after kill = %v, %v", got, err)
	}
	checkStore(t, store)
}

// A pull killed with SIGKILL while containers/storage is writing a layer (the layer is recorded as
// "incomplete" first) leaves a store that cleans itself up on the next use, and pulling again succeeds.
// The kill is timed by watching layers.json for the incomplete flag; the layer holds enough files that
// applying it takes far longer than the watch interval.
func TestPullKilledDuringLayerCommit(t *testing.T) {
	store := newStore(t)
	dir := t.TempDir()
	id := writeLayout(t, dir, "1", testImage{Layers: []map[string]string{manyFiles("big", 20000)}})
	cmd := pullProcess(t, store, "oci:"+dir+":1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	layersJSON := filepath.Join(store.GraphRoot(), "vfs-layers", "layers.json")
	deadline := time.After(2 * time.Minute)
	for caught := false; !caught; {
		select {
		case err := <-done:
			t.Fatalf("the pull finished (%v) before the test saw an incomplete layer; stderr: %s", err, stderr.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("no incomplete layer appeared")
		case <-time.After(time.Millisecond):
			b, _ := os.ReadFile(layersJSON)
			caught = bytes.Contains(b, []byte(`"incomplete":true`))
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done

	checkStore(t, store) // loading the layer store removes the incomplete layer
	got, err := Pull(context.Background(), store, "oci:"+dir+":1", PullOptions{})
	if err != nil || got[0] != id.Encoded() {
		t.Fatalf("re-pull after kill = %v, %v", got, err)
	}
	checkStore(t, store)
}
