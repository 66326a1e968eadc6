package fuseoverlay

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// networkFS names the file systems whose magic numbers (statfs f_type) mark a graph root that cannot hold
// layers owned by subordinate IDs: the server checks ownership against its own view of the user.
var networkFS = map[int64]string{
	unix.NFS_SUPER_MAGIC:  "NFS",
	0x0bd00bd0:            "Lustre",
	0x47504653:            "GPFS",
	unix.CIFS_SUPER_MAGIC: "CIFS",
	unix.SMB2_SUPER_MAGIC: "SMB",
	0x00c36400:            "CephFS",
	0x19830326:            "BeeGFS",
	unix.AFS_SUPER_MAGIC:  "AFS",
	0xaad7aaea:            "PanFS",
}

// statfsType is unix.Statfs's f_type; a variable so tests can pretend to be on NFS.
var statfsType = func(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return st.Type, nil
}

// CheckGraphRoot refuses a graph root (or, while it does not exist yet, its nearest existing parent) on a
// network file system, naming the path and the fix.
func CheckGraphRoot(root string) error {
	path := filepath.Clean(root)
	for {
		t, err := statfsType(path)
		if err == nil {
			if name, ok := networkFS[t]; ok {
				return fmt.Errorf("storage root %s is on %s, which cannot hold container layers for a rootless user "+
					"(hint: put it on a local disk: --root /tmp/$USER/containers/storage, or set graphroot in ~/.config/containers/storage.conf)",
					root, name)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) || path == "/" {
			return fmt.Errorf("check storage root %s: %w", root, err)
		}
		path = filepath.Dir(path)
	}
}
