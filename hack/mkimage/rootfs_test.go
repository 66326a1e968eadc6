package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestEntriesFromDir(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	must(os.WriteFile(filepath.Join(root, "usr/bin/a"), []byte("aaa"), 0o755))
	must(os.Link(filepath.Join(root, "usr/bin/a"), filepath.Join(root, "usr/bin/b")))
	must(os.Symlink("a", filepath.Join(root, "usr/bin/s")))
	must(os.WriteFile(filepath.Join(root, "usr/bin/suid"), nil, 0o644))
	must(syscall.Chmod(filepath.Join(root, "usr/bin/suid"), 0o4755))
	must(os.Mkdir(filepath.Join(root, "tmp"), 0o755))
	must(syscall.Chmod(filepath.Join(root, "tmp"), 0o1777))
	must(syscall.Mkfifo(filepath.Join(root, "tmp/fifo"), 0o644))

	entries, stats, err := EntriesFromDir(root)
	must(err)
	uid, gid := os.Getuid(), os.Getgid()
	tests := []struct {
		path     string
		typ      EntryType
		mode     int64
		linkname string
	}{
		{"tmp", TypeDir, 0o1777, ""},
		{"usr", TypeDir, 0o755, ""},
		{"usr/bin", TypeDir, 0o755, ""},
		{"usr/bin/a", TypeFile, 0o755, ""},
		{"usr/bin/b", TypeHardlink, 0, "usr/bin/a"},
		{"usr/bin/s", TypeSymlink, 0o777, "a"},
		{"usr/bin/suid", TypeFile, 0o4755, ""},
	}
	if len(entries) != len(tests) {
		t.Fatalf("got %d entries, want %d: %+v", len(entries), len(tests), entries)
	}
	for i, tt := range tests {
		e := entries[i]
		if e.Path != tt.path || e.Type != tt.typ || e.Mode != tt.mode || e.Linkname != tt.linkname {
			t.Errorf("entry %d = {%s %s %o %q}, want {%s %s %o %q}",
				i, e.Path, e.Type, e.Mode, e.Linkname, tt.path, tt.typ, tt.mode, tt.linkname)
		}
		if e.Type != TypeHardlink && (e.UID != uid || e.GID != gid) {
			t.Errorf("%s: owner %d:%d, want %d:%d", e.Path, e.UID, e.GID, uid, gid)
		}
	}
	if stats.Skipped != 1 || stats.Examples[0] != "/tmp/fifo" {
		t.Errorf("stats = %+v, want the fifo skipped", stats)
	}
	if _, err := WriteLayer(discard{}, entries, LayerOptions{ModTime: Epoch}); err != nil {
		t.Errorf("WriteLayer of walked tree: %v", err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
