package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fakeHost lays out a hybrid host under a temporary Root: memory below /svc, pids at the root.
func fakeHost(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"memory/svc", "pids", "unified"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self := filepath.Join(root, "self-cgroup")
	if err := os.WriteFile(self, []byte("2:memory:/svc\n1:pids:/\n0::/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	oldRoot, oldSelf := Root, selfCgroup
	Root, selfCgroup = root, self
	t.Cleanup(func() { Root, selfCgroup = oldRoot, oldSelf })
	return root
}

func TestFind(t *testing.T) {
	root := fakeHost(t)
	if _, err := Find("", 1000); !errors.Is(err, ErrNotDelegated) {
		t.Fatalf("no delegation: %v, want ErrNotDelegated", err)
	}
	// Delegated below the process's own cgroup in every v1 hierarchy: memory/svc/skiff-1000, pids/skiff-1000.
	for _, d := range []string{"memory/svc/skiff-1000", "pids/skiff-1000"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Find("", 1000)
	if err != nil || got != "skiff-1000" {
		t.Fatalf("Find = %q, %v; want skiff-1000", got, err)
	}
	// --cgroup-parent below it, not yet there: the runtime creates it.
	if got, err := Find("skiff-1000/app", 1000); err != nil || got != "skiff-1000/app" {
		t.Fatalf("Find(skiff-1000/app) = %q, %v", got, err)
	}
	// A hierarchy without the delegated directory refuses all.
	if err := os.Remove(filepath.Join(root, "pids/skiff-1000")); err != nil {
		t.Fatal(err)
	}
	if _, err := Find("", 1000); !errors.Is(err, ErrNotDelegated) {
		t.Fatalf("pids not delegated: %v", err)
	}
}

func TestContainerPath(t *testing.T) {
	if got := ContainerPath("skiff-1000", "abc"); got != "skiff-1000/skiff-abc" {
		t.Fatalf("ContainerPath = %q", got)
	}
}
