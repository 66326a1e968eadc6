package nosub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// The user without subordinate IDs runs busybox from the shared store that the user with them filled
// (test/e2e TestSharedStoreExport, which hack/test-e2e.sh runs first), with nothing pulled: the store's
// files belong to another user, whom this namespace does not map.
func TestSharedStoreRun(t *testing.T) {
	dir := SharedStore(t)
	if b, err := os.ReadFile(filepath.Join(dir, "overlay-images", "images.json")); err != nil || !strings.Contains(string(b), Busybox) {
		t.Fatalf("shared store %s holds no %s: test/e2e TestSharedStoreExport fills it (hack/test-e2e.sh 'TestSharedStore' runs both): %v", dir, Busybox, err)
	}
	env := SharedStoreConf(t, dir)
	g := Isolated(t)
	r := RunIn(t, env, "", append(g, "run", "--rm", "--pull", "never", Busybox, "sh", "-c", "echo from-shared > /etc/probe && cat /etc/probe && id -u")...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "from-shared") {
		t.Fatalf("run from the shared store:\n%s", r)
	}
	r = RunIn(t, env, "", append(g, "images")...)
	if r.Code != 0 || !Matches(`^REPOSITORY.*R/O$`, r.Stdout) || !Matches(Quote(Registry+"/busybox")+`\s+latest\s.*true$`, r.Stdout) {
		t.Fatalf("images does not mark the shared image read-only:\n%s", r)
	}
	r = RunIn(t, env, "", append(g, "rmi", Busybox)...)
	if r.Code != 125 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || !strings.Contains(r.Stderr, "read-only image store") {
		t.Fatalf("rmi of a shared image: want one line and exit 125\n%s", r)
	}
	// Nothing was pulled or copied: the user's own store has no image.
	if out := strings.TrimSpace(Must(t, append(g, "images", "-q")...)); out != "" {
		t.Fatalf("the user's own store holds images after running from the shared one: %s", out)
	}
}
