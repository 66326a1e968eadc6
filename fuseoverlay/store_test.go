package fuseoverlay

import (
	"os/exec"
	"slices"
	"testing"
)

func TestSharedStoreOptions(t *testing.T) {
	fuse, err := exec.LookPath("fuse-overlayfs")
	if err != nil {
		t.Fatalf("fuse-overlayfs is not installed (hack/setup-host.sh installs it): %v", err)
	}
	for _, tt := range []struct {
		name, driver string
		in, want     []string
	}{
		{"no additional store", "overlay", []string{".ignore_chown_errors=true"}, []string{".ignore_chown_errors=true"}},
		{"additional store", "", []string{".imagestore=/srv/images"},
			[]string{".imagestore=/srv/images", ".mountopt=squash_to_root", ".mount_program=" + fuse, ".force_mask=shared"}},
		{"existing mountopt", "overlay", []string{"overlay.imagestore=/srv/images", "overlay.mountopt=nodev"},
			[]string{"overlay.imagestore=/srv/images", "overlay.mountopt=nodev,squash_to_root", ".mount_program=" + fuse, ".force_mask=shared"}},
		{"explicit mount program kept", "overlay", []string{"overlay.imagestore=/srv/images", "overlay.mount_program=/opt/fo"},
			[]string{"overlay.imagestore=/srv/images", "overlay.mount_program=/opt/fo"}},
		{"vfs untouched", "vfs", []string{".imagestore=/srv/images"}, []string{".imagestore=/srv/images"}},
	} {
		if got := sharedStoreOptions(tt.driver, tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%s: sharedStoreOptions(%q, %q) = %q, want %q", tt.name, tt.driver, tt.in, got, tt.want)
		}
	}
}

func TestImageStoreOptions(t *testing.T) {
	in := []string{"overlay.mount_program=/usr/bin/fuse-overlayfs", "overlay.imagestore=/a", ".imagestore=/b", "vfs.ignore_chown_errors=true"}
	want := []string{".imagestore=/a", ".imagestore=/b"}
	if got := imageStoreOptions(in); !slices.Equal(got, want) {
		t.Fatalf("imageStoreOptions = %q, want %q", got, want)
	}
}
