package nosub

import (
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// A user without subordinate IDs saves, loads, commits and imports images.
func TestSaveLoadCommitNoSub(t *testing.T) {
	sb := NewSandbox(t)
	id := sb.Must(t, "pull", "-q", Layers)
	sb.Must(t, "pull", "-q", Busybox)
	archive := filepath.Join(t.TempDir(), "two.tar")
	sb.Must(t, "save", "-q", "-m", "-o", archive, Layers, Busybox)
	sb.Must(t, "rmi", Layers, Busybox)
	out := sb.Must(t, "load", "-q", "-i", archive)
	if !strings.Contains(out, "Loaded image: "+Layers) || !strings.Contains(out, "Loaded image: "+Busybox) {
		t.Fatalf("load:\n%s", out)
	}
	if got := sb.Must(t, "image", "inspect", "--format", "{{.Id}}", Layers); got != id {
		t.Fatalf("loaded ID %s, want %s", got, id)
	}
	name := Name(t)
	sb.Must(t, "run", "--name", name, Busybox, "sh", "-c", "echo nosub > /made")
	sb.Must(t, "commit", "-q", "--change", "CMD cat /made", name, "localhost/t12-nosub:1")
	if got := sb.Must(t, "run", "--rm", "localhost/t12-nosub:1"); got != "nosub" {
		t.Fatalf("committed image printed %q", got)
	}
	rootfs := filepath.Join(t.TempDir(), "rootfs.tar")
	sb.Must(t, "export", "-o", rootfs, name)
	sb.Must(t, "import", "-q", "--change", "CMD=cat /made", rootfs, "localhost/t12-nosub-imp:1")
	if got := sb.Must(t, "run", "--rm", "localhost/t12-nosub-imp:1"); got != "nosub" {
		t.Fatalf("imported image printed %q", got)
	}
}
