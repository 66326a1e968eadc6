package nosub

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 5 for a user without a subordinate range: volumes, bind mounts and keep-id work with the
// single-ID mapping, and what containers write belongs to the user.

// userDir makes a directory under the user's home for the test.
func userDir(t *testing.T) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, Name(t))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func owner(t *testing.T, path string) (int, int) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return int(st.Uid), int(st.Gid)
}

func TestNosubVolumeVerbs(t *testing.T) {
	name := Name(t)
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", name) })
	Must(t, "volume", "create", "--label", "a=b", name)
	if got := Must(t, "volume", "ls", "-q", "--filter", "label=a=b", "--filter", "name=^"+name+"$"); got != name {
		t.Fatalf("ls: %q", got)
	}
	mp := Must(t, "volume", "inspect", "--format", "{{.Mountpoint}}", name)
	if u, _ := owner(t, mp); u != os.Getuid() {
		t.Fatalf("the volume's data directory belongs to %d, want the user %d", u, os.Getuid())
	}
	Must(t, "volume", "exists", name)
	Must(t, "volume", "rm", name)
	if r := Run(t, "volume", "exists", name); r.Code != 1 {
		t.Fatalf("exists after rm: %s", r)
	}
}

// The layers image, whose files belong to several IDs, runs; its owners are squashed to the user.
func TestNosubRunLayers(t *testing.T) {
	Must(t, "pull", "-q", Layers)
	out := Must(t, "run", "--rm", Layers, "ls", "-ln", "/data")
	if !strings.Contains(out, " big") || !strings.Contains(out, " app") {
		t.Fatalf("ls -ln /data:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n")[1:] {
		if f := strings.Fields(line); len(f) > 3 && (f[2] != "0" || f[3] != "0") {
			t.Errorf("with one ID mapped every file belongs to root (the user): %s", line)
		}
	}
}

// A bind mount of the user's home is writable, and what the container writes belongs to the user.
func TestNosubHomeBindMount(t *testing.T) {
	dir := userDir(t)
	if err := os.WriteFile(filepath.Join(dir, "mine"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := Must(t, "run", "--rm", "-v", dir+":/home/data", Busybox, "sh", "-c",
		"cat /home/data/mine; echo from the container > /home/data/theirs; mkdir /home/data/sub; ls -ln /home/data")
	if !strings.HasPrefix(out, "from the host\n") {
		t.Fatalf("the container did not see the host's file:\n%s", out)
	}
	for _, f := range []string{"mine", "theirs", "sub"} {
		if u, g := owner(t, filepath.Join(dir, f)); u != os.Getuid() || g != os.Getgid() {
			t.Errorf("%s belongs to %d:%d, want the user %d:%d", f, u, g, os.Getuid(), os.Getgid())
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "theirs")); err != nil || string(b) != "from the container\n" {
		t.Fatalf("written file: %q %v", b, err)
	}
}

// A named volume works and is filled from the image. keep-id and nomap need IDs the user does not
// have: they fail before anything is created, saying why.
func TestNosubVolumeAndUserNS(t *testing.T) {
	name := Name(t)
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", name) })
	Must(t, "pull", "-q", Layers)
	if got := Must(t, "run", "--rm", "-v", name+":/data", Layers, "cat", "/data/app/file"); got != "hello from skiff layers test image" {
		t.Fatalf("copy-up into a volume: %q", got)
	}
	before := Must(t, "ps", "-a", "-q", "--no-trunc")
	for mode, want := range map[string]string{
		"keep-id": "--userns keep-id: the user's namespace maps only your own ID",
		"nomap":   "--userns nomap: the user's namespace maps only the user's own ID",
	} {
		r := Run(t, "run", "--rm", "--userns="+mode, Busybox, "true")
		if r.Code != 125 || !strings.Contains(r.Stderr, want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("--userns=%s without subordinate IDs: want exit 125 and one line with %q\n%s", mode, want, r)
		}
	}
	if after := Must(t, "ps", "-a", "-q", "--no-trunc"); after != before {
		t.Errorf("refused runs left containers:\n%s\n---\n%s", before, after)
	}
}
