package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15, logs: json-file is stored as k8s-file; --log-opt path, max-size (rotation that logs reads
// across) and tag.
func TestLogOpts(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "--name", name, "--log-driver", "json-file", "--log-opt", "max-size=8k", Busybox, "seq", "1", "2000")
	if got := Must(t, "inspect", "--format", "{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}}", name); got != "k8s-file 8.192kB" {
		t.Fatalf("--log-driver json-file --log-opt max-size=8k: inspect says %q", got)
	}
	logPath := Must(t, "inspect", "--format", "{{.LogPath}}", name)
	cur, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(logPath + ".1"); err != nil || st.Size() > 8192 || len(cur) > 8192 {
		t.Fatalf("max-size=8k: the log is %d bytes and its rotated part %v (%v)", len(cur), st, err)
	}
	lines := strings.Split(strings.TrimSpace(Must(t, "logs", name)), "\n")
	curLines := strings.Count(string(cur), "\n")
	if len(lines) <= curLines || lines[len(lines)-1] != "2000" {
		t.Fatalf("logs across the rotated files: %d lines ending %q, the current file alone has %d", len(lines), lines[len(lines)-1], curLines)
	}
	first, _ := strconv.Atoi(lines[0])
	for i, l := range lines {
		if l != strconv.Itoa(first+i) {
			t.Fatalf("logs across the rotated files: line %d is %q, want %d", i, l, first+i)
		}
	}

	// path=: the log goes where asked, and logs reads it there.
	dir := t.TempDir()
	path := filepath.Join(dir, "my.log")
	name2 := Name(t) + "-path"
	rmContainer(t, name2)
	Must(t, "run", "--name", name2, "--log-opt", "path="+path, Busybox, "echo", "to my file")
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), " stdout F to my file") {
		t.Fatalf("--log-opt path=%s: %q, %v", path, b, err)
	}
	if got := Must(t, "logs", name2); got != "to my file" {
		t.Fatalf("logs of a container with --log-opt path: %q", got)
	}
	if got := Must(t, "inspect", "--format", "{{.LogPath}}", name2); got != path {
		t.Fatalf("inspect LogPath: %q, want %q", got, path)
	}

	Expect(t, 125, []string{"--log-opt tag", "journald"}, "run", "--rm", "--log-opt", "tag=web", Busybox, "true")
	Expect(t, 125, []string{"--log-opt", "unknown option"}, "run", "--rm", "--log-opt", "max-file=3", Busybox, "true")
	Expect(t, 125, []string{"--log-opt path", "does not exist"}, "run", "--rm", "--log-opt", "path=/no/such/dir/x.log", Busybox, "true")
	Expect(t, 125, []string{"--log-opt path and max-size apply to the k8s-file"}, "run", "--rm", "--log-driver", "none", "--log-opt", "max-size=1m", Busybox, "true")
}
