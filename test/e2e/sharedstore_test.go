package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// The user with subordinate IDs fills the shared store with busybox (test/nosub's TestSharedStoreRun then
// runs it as the user without); here the same user reads it back: listed read-only, not removable.
func TestSharedStoreExport(t *testing.T) {
	dir := SharedStore(t)
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	r := Run(t, append(g, "image", "export-store", dir, Busybox)...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	id := strings.TrimSpace(r.Stdout)
	b, err := os.ReadFile(filepath.Join(dir, "overlay-images", "images.json"))
	if err != nil || !strings.Contains(string(b), id) || !strings.Contains(string(b), Busybox) {
		t.Fatalf("shared store's images.json lacks %s (%s): %v\n%s", Busybox, id, err, b)
	}
	for _, sub := range []string{"", "overlay-images", "overlay-layers", "overlay"} {
		st, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || st.Mode().Perm()&0o005 != 0o005 {
			t.Errorf("%s/%s is not readable by other users: %v %v", dir, sub, st.Mode(), err)
		}
	}

	env := SharedStoreConf(t, dir)
	fresh := Isolated(t)
	r = RunIn(t, env, "", append(fresh, "run", "--rm", "--pull", "never", Busybox, "echo", "from-shared")...)
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "from-shared" {
		t.Fatalf("run from the shared store:\n%s", r)
	}
	r = RunIn(t, env, "", append(fresh, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ReadOnly}}")...)
	if r.Code != 0 || !strings.Contains(r.Stdout, Busybox+" true") {
		t.Fatalf("images does not mark the shared image read-only:\n%s", r)
	}
	r = RunIn(t, env, "", append(fresh, "rmi", Busybox)...)
	if r.Code != 125 || !strings.Contains(r.Stderr, "read-only image store") || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Fatalf("rmi of a shared image: want one line and exit 125\n%s", r)
	}
}
