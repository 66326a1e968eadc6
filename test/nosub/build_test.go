package nosub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// A user without subordinate IDs builds a multi-stage image with RUN steps and a cache mount; giving a
// file to another ID fails in one line with the fix.
func TestBuildNoSub(t *testing.T) {
	sb := NewSandbox(t)
	ctx := filepath.Join(t.TempDir(), "ctx")
	if err := os.MkdirAll(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	df := "ARG BASE=" + Busybox + "\nFROM ${BASE} AS builder\nRUN --mount=type=cache,target=/cache echo built > /cache/x && cp /cache/x /artifact\n" +
		"FROM ${BASE}\nCOPY --from=builder /artifact /app/artifact\nCOPY f.txt /app/f.txt\nWORKDIR /app\nCMD [\"cat\", \"artifact\", \"f.txt\"]\n"
	for name, content := range map[string]string{"Dockerfile": df, "f.txt": "file\n"} {
		if err := os.WriteFile(filepath.Join(ctx, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := sb.Run(t, "build", "-t", "localhost/t12-nosub-build", ctx)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	if got := sb.Must(t, "run", "--rm", "localhost/t12-nosub-build"); got != "built\nfile" {
		t.Fatalf("the built image prints %q", got)
	}
	r = sb.Run(t, "build", "-t", "localhost/t12-nosub-build", ctx)
	if r.Code != 0 || strings.Count(r.Stdout, "--> Using cache") != 5 {
		t.Fatalf("rebuild: want 5 cached steps\n%s", r)
	}
}

// COPY --chown to another ID cannot be applied without subordinate IDs: the files land as the user, with
// one warning naming the line.
func TestBuildNoSubChown(t *testing.T) {
	sb := NewSandbox(t)
	ctx := filepath.Join(t.TempDir(), "ctx")
	if err := os.MkdirAll(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	df := "FROM " + Busybox + "\nCOPY --chown=1000:1000 f.txt /f.txt\nCOPY --chown=daemon f.txt /g.txt\n"
	for name, content := range map[string]string{"Dockerfile": df, "f.txt": "file\n"} {
		if err := os.WriteFile(filepath.Join(ctx, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := sb.Run(t, "build", "-t", "localhost/t12-nosub-chown", ctx)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	df1 := filepath.Join(ctx, "Dockerfile")
	if n := strings.Count(r.Stderr, "--chown ignored"); n != 1 || !strings.Contains(r.Stderr, df1+":2, "+df1+":3") {
		t.Fatalf("want one warning naming both lines, got %d:\n%s", n, r.Stderr)
	}
	if got := sb.Must(t, "run", "--rm", "localhost/t12-nosub-chown", "stat", "-c", "%u:%g", "/f.txt", "/g.txt"); got != "0:0\n0:0" {
		t.Fatalf("owners in the image: %q, want the user (0 inside)", got)
	}
}
