package fuseoverlay

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNetworkFS(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		fsType int64
		path   string
		want   string // "" = local
	}{
		{"local ext4", unix.EXT4_SUPER_MAGIC, dir, ""},
		{"local tmpfs, root not created yet", unix.TMPFS_MAGIC, dir + "/a/b/storage", ""},
		{"nfs, root not created yet", unix.NFS_SUPER_MAGIC, dir + "/.local/share/containers/storage", "NFS"},
		{"lustre", 0x0bd00bd0, dir, "Lustre"},
		{"gpfs", 0x47504653, dir, "GPFS"},
		{"beegfs", 0x19830326, dir, "BeeGFS"},
		{"cephfs", 0x00c36400, dir, "CephFS"},
		{"smb2", unix.SMB2_SUPER_MAGIC, dir, "SMB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := statfsType
			t.Cleanup(func() { statfsType = old })
			var asked []string
			statfsType = func(p string) (int64, error) {
				asked = append(asked, p)
				if _, err := old(p); err != nil {
					return 0, err
				}
				return tt.fsType, nil
			}
			name, ok := NetworkFS(tt.path)
			if name != tt.want || ok != (tt.want != "") {
				t.Fatalf("NetworkFS(%s) = %q, %v; want %q (statfs of %v)", tt.path, name, ok, tt.want, asked)
			}
		})
	}
}

// The real file system this test runs on is detected as what it is: /proc is never a network file system.
func TestNetworkFSReal(t *testing.T) {
	if name, ok := NetworkFS("/proc/self"); ok {
		t.Fatalf("NetworkFS(/proc/self) = %s", name)
	}
}

func TestNodeLocalRoot(t *testing.T) {
	for _, tt := range []struct {
		tmpdir, want string
	}{
		{"", "/tmp/skiff-storage-1000/storage"},
		{"relative", "/tmp/skiff-storage-1000/storage"},
		{"/scratch/job42", "/scratch/job42/skiff-storage-1000/storage"},
	} {
		if got := NodeLocalRoot(tt.tmpdir, 1000); got != tt.want {
			t.Errorf("NodeLocalRoot(%q) = %s, want %s", tt.tmpdir, got, tt.want)
		}
	}
}

func TestEnsurePrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "skiff-storage-1")
	if created, err := ensurePrivateDir(dir); err != nil || !created {
		t.Fatalf("first call: created=%v err=%v", created, err)
	}
	if created, err := ensurePrivateDir(dir); err != nil || created {
		t.Fatalf("second call: created=%v err=%v", created, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ensurePrivateDir(dir); err == nil {
		t.Fatal("a directory readable by others was accepted")
	}
}
