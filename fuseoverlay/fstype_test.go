package fuseoverlay

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCheckGraphRoot(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		fsType  int64
		path    string
		wantErr string
	}{
		{"local ext4", unix.EXT4_SUPER_MAGIC, dir, ""},
		{"local tmpfs, root not created yet", unix.TMPFS_MAGIC, dir + "/a/b/storage", ""},
		{"nfs", unix.NFS_SUPER_MAGIC, dir + "/storage", "is on NFS"},
		{"lustre", 0x0bd00bd0, dir, "is on Lustre"},
		{"gpfs", 0x47504653, dir, "is on GPFS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := statfsType
			t.Cleanup(func() { statfsType = old })
			statfsType = func(p string) (int64, error) {
				if _, err := old(p); err != nil {
					return 0, err
				}
				return tt.fsType, nil
			}
			err := CheckGraphRoot(tt.path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckGraphRoot(%s) = %v, want nil", tt.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) ||
				!strings.Contains(err.Error(), "--root") {
				t.Fatalf("CheckGraphRoot(%s) = %v, want an error naming the path, %q and the fix", tt.path, err, tt.wantErr)
			}
		})
	}
}
