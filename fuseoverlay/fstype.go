package fuseoverlay

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// NetworkFS reports whether path (or, while it does not exist yet, its nearest existing parent) is on a
// network file system, and which.
func NetworkFS(path string) (string, bool) {
	path = filepath.Clean(path)
	for {
		t, err := statfsType(path)
		if err == nil {
			name, ok := networkFS[t]
			return name, ok
		}
		if !errors.Is(err, fs.ErrNotExist) || path == "/" {
			return "", false
		}
		path = filepath.Dir(path)
	}
}

// NodeLocalRoot is the node-local graph root used instead of a default one on a network file system:
// under $TMPDIR (else /tmp), a directory of the user's own with mode 0700.
func NodeLocalRoot(tmpdir string, uid int) string {
	if tmpdir == "" || !filepath.IsAbs(tmpdir) {
		tmpdir = "/tmp"
	}
	return filepath.Join(tmpdir, fmt.Sprintf("skiff-storage-%d", uid), "storage")
}

// ensurePrivateDir creates dir with mode 0700 or checks that an existing one is the caller's and private:
// a directory in a shared /tmp may have been planted by another user. created says it was made now.
func ensurePrivateDir(dir string) (created bool, err error) {
	err = os.Mkdir(dir, 0o700)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return false, fmt.Errorf("create node-local storage directory %s: %w", dir, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return false, fmt.Errorf("check node-local storage directory %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Getuid() || st.Mode&0o077 != 0 {
		return false, fmt.Errorf("node-local storage directory %s is not a directory of yours with mode 0700 (hint: remove it, or set graphroot in ~/.config/containers/storage.conf)", dir)
	}
	return false, nil
}
