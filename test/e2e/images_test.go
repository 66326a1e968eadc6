package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

func TestPullListInspect(t *testing.T) {
	g := Isolated(t)
	r := Run(t, append(g, "pull", Layers)...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	id := strings.TrimSpace(r.Stdout)
	if len(id) != 64 {
		t.Fatalf("pull printed %q on stdout, want the 64-hex image ID", r.Stdout)
	}
	for _, want := range []string{"Trying to pull " + Layers, "Writing manifest to image destination"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("pull stderr lacks %q:\n%s", want, r.Stderr)
		}
	}

	out := Must(t, append(g, "images")...)
	lines := strings.Split(out, "\n")
	if !Matches(`^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$`, lines[0]) {
		t.Fatalf("images header = %q, want Docker's columns", lines[0])
	}
	if len(lines) != 2 || !Matches(`^localhost:5000/layers\s+1\s+`+id[:12]+`\s+.+ago\s+\d`, lines[1]) {
		t.Fatalf("images rows:\n%s", out)
	}
	if q := Must(t, append(g, "images", "-q")...); q != id[:12] {
		t.Fatalf("images -q = %q, want %q", q, id[:12])
	}
	env := Must(t, append(g, "image", "inspect", "--format", "{{.Config.Env}}", Layers)...)
	if !strings.Contains(env, "LAYERS_TEST=yes") || !strings.HasPrefix(env, "[") {
		t.Fatalf("inspect --format {{.Config.Env}} = %q, want the image's ENV as a list", env)
	}
	for format, want := range map[string]string{
		"{{.Config.WorkingDir}}": "/data",
		"{{.Config.Cmd}}":        "[cat /data/app/file]",
		"{{.RepoTags}}":          "[" + Layers + "]",
		"{{.Id}}":                id,
	} {
		if got := Must(t, append(g, "inspect", "--format", format, "localhost:5000/layers:1")...); got != want {
			t.Errorf("inspect --format %s = %q, want %q", format, got, want)
		}
	}
}

// The layers image's files keep owner, mode, link count and whiteouts in the user's storage, and the
// host sees subordinate IDs.
func TestImageFilesKeepOwnership(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Layers)...)
	mnt := Must(t, append(g, "image", "mount", Layers)...)
	t.Cleanup(func() { Run(t, append(g, "image", "unmount", Layers)...) })
	stat := func(path string) string {
		return Must(t, append(g, "unshare", "stat", "-c", "%u:%g %a %h", filepath.Join(mnt, path))...)
	}
	if got := stat("data/app/file"); got != "1000:1000 644 2" {
		t.Errorf("data/app/file inside = %q, want 1000:1000 mode 644 and 2 links (the hardlink)", got)
	}
	if got := stat("data/app/hardlink"); got != "1000:1000 644 2" {
		t.Errorf("data/app/hardlink inside = %q", got)
	}
	if got := stat("usr/local/bin/suid-tool"); !strings.HasPrefix(strings.Fields(got)[1], "4") {
		t.Errorf("suid-tool mode = %q, want the setuid bit", got)
	}
	if got := stat("data/big"); !strings.HasPrefix(got, "65534:65534 ") {
		t.Errorf("data/big = %q, want owner 65534", got)
	}
	if r := Run(t, append(g, "unshare", "test", "-e", filepath.Join(mnt, "data/doomed"))...); r.Code == 0 {
		t.Errorf("data/doomed exists; a later layer deleted it")
	}
	if link := Must(t, append(g, "unshare", "readlink", filepath.Join(mnt, "data/app/symlink"))...); link != "file" {
		t.Errorf("data/app/symlink -> %q, want file", link)
	}

	// On the host, container UID 1000 is subordinate UID 100000+1000-1.
	lower := Must(t, append(g, "image", "inspect", "--format", "{{.GraphDriver.Data.LowerDir}}:{{.GraphDriver.Data.UpperDir}}", Layers)...)
	var found bool
	for _, dir := range strings.Split(lower, ":") {
		var st syscall.Stat_t
		if dir == "" || syscall.Stat(filepath.Join(dir, "data/app/file"), &st) != nil {
			continue
		}
		found = true
		if st.Uid != 100999 || st.Gid != 100999 {
			t.Errorf("host owner of data/app/file = %d:%d, want 100999:100999", st.Uid, st.Gid)
		}
	}
	if !found {
		t.Errorf("data/app/file not found in any layer directory of %q", lower)
	}
}

func TestConcurrentPulls(t *testing.T) {
	g := Isolated(t)
	var wg sync.WaitGroup
	results := make([]Result, 2)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = Run(t, append(g, "pull", "-q", Layers)...) }()
	}
	wg.Wait()
	for _, r := range results {
		if r.Code != 0 {
			t.Fatalf("concurrent pull failed:\n%s", r)
		}
	}
	if results[0].Stdout != results[1].Stdout {
		t.Fatalf("concurrent pulls returned different IDs: %q %q", results[0].Stdout, results[1].Stdout)
	}
	if n := len(strings.Fields(Must(t, append(g, "images", "-q")...))); n != 1 {
		t.Fatalf("images -q after two pulls lists %d images, want 1", n)
	}
}

// A pull killed at any point leaves storage that the next pull completes.
func TestKilledPullRecovers(t *testing.T) {
	g := Isolated(t)
	for _, delay := range []time.Duration{20, 60, 120, 250, 400} {
		cmd := exec.Command(Binary, append(g, "pull", "-q", Layers)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		r := Run(t, append(g, "pull", "-q", Layers)...)
		if r.Code != 0 {
			t.Fatalf("pull after a pull killed at %dms:\n%s", delay, r)
		}
		if out := Must(t, append(g, "images", "--format", "{{.Repository}}:{{.Tag}}")...); out != Layers {
			t.Fatalf("images after a pull killed at %dms = %q", delay, out)
		}
		Must(t, append(g, "rmi", Layers)...)
	}
}

func TestPullErrors(t *testing.T) {
	g := Isolated(t)
	r := Expect(t, 125, []string{"Bad:Ref!!"}, append(g, "pull", "Bad:Ref!!")...)
	oneLine(t, r)
	Expect(t, 125, []string{Registry + "/busybox:nosuchtag", "manifest unknown"}, append(g, "pull", Registry+"/busybox:nosuchtag")...)
	if n := len(strings.Fields(Must(t, append(g, "images", "-q")...))); n != 0 {
		t.Fatalf("failed pulls left %d images", n)
	}
	r = Expect(t, 1, []string{"nosuchimage: image not known"}, append(g, "rmi", "nosuchimage")...)
	oneLine(t, r)
}

func TestTagUntagRmi(t *testing.T) {
	g := Isolated(t)
	id := Must(t, append(g, "pull", "-q", Busybox)...)
	Must(t, append(g, "tag", Busybox, "mybox:v1", "localhost/other:2")...)
	out := Must(t, append(g, "images", "--format", "{{.Repository}}:{{.Tag}}")...)
	for _, want := range []string{"localhost/mybox:v1", "localhost/other:2", Busybox} {
		if !strings.Contains(out, want) {
			t.Errorf("images after tag lacks %s:\n%s", want, out)
		}
	}
	Must(t, append(g, "untag", "mybox:v1", "mybox:v1")...)
	// Removing one of several names only untags.
	r := Run(t, append(g, "rmi", "localhost/other:2")...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "Untagged: localhost/other:2") || strings.Contains(r.Stdout, "Deleted:") {
		t.Fatalf("rmi of one of two names:\n%s", r)
	}
	r = Run(t, append(g, "rmi", Busybox)...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "Deleted: "+id) {
		t.Fatalf("rmi of the last name:\n%s", r)
	}
	if out := Must(t, append(g, "images", "-q")...); out != "" {
		t.Fatalf("images after rmi: %q", out)
	}
}

func TestImagesFormat(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	out := Must(t, append(g, "images", "--format", "table {{.Repository}} {{.Tag}}")...)
	if !Matches(`^REPOSITORY\s+TAG\n`+Quote(Registry+"/busybox")+`\s+latest$`, out) {
		t.Fatalf("images --format table:\n%s", out)
	}
	out = Must(t, append(g, "images", "--format", "{{json .}}")...)
	if !strings.Contains(out, `"Id"`) && !strings.Contains(out, `"ID"`) {
		t.Fatalf("images --format {{json .}}:\n%s", out)
	}
	hist := Must(t, append(g, "history", Busybox)...)
	if !Matches(`^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT`, hist) {
		t.Fatalf("history:\n%s", hist)
	}
}

func TestSystemReset(t *testing.T) {
	sb := NewSandbox(t)
	sb.Must(t, "pull", "-q", Busybox)
	pause := sb.PausePID()
	root := sb.Flags[1]
	sb.Must(t, "system", "reset", "-f")
	if entries, err := os.ReadDir(root); err == nil && len(entries) != 0 {
		t.Fatalf("system reset left %s with %d entries", root, len(entries))
	}
	if IsPause(pause) {
		t.Fatalf("system reset left the pause process %d", pause)
	}
	if out := sb.Must(t, "images", "-q"); out != "" {
		t.Fatalf("images after reset: %q", out)
	}
	r := sb.Run(t, "system", "reset")
	if r.Code != 125 || !strings.Contains(r.Stderr, "--force") {
		t.Fatalf("system reset without a terminal or --force:\n%s", r)
	}
}

func oneLine(t *testing.T, r Result) {
	t.Helper()
	if n := strings.Count(strings.TrimSpace(r.Stderr), "\n"); n != 0 {
		t.Fatalf("want one line on stderr, got %d:\n%s", n+1, r.Stderr)
	}
}
