package volume

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// copyTree copies the content of directory src into the existing directory dst: files, directories,
// symlinks, hard links (as links) and FIFOs, with their owners, modes (set-ID bits included) and
// modification times. Device nodes cannot be created in a user namespace and are skipped; so are
// sockets. Owners the namespace cannot represent are left to the caller (chown errors EINVAL are
// ignored, as containers/storage's ignore_chown_errors does for a single-ID mapping). dst's own owner
// and mode are not changed.
func copyTree(src, dst string) error {
	type dirMeta struct {
		path string
		st   *unix.Stat_t
	}
	var dirs []dirMeta
	links := map[[2]uint64]string{} // (dev, ino) of multiply-linked files -> first copy
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		target := filepath.Join(dst, rel)
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return &fs.PathError{Op: "lstat", Path: path, Err: err}
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			dirs = append(dirs, dirMeta{target, &st})
			return nil
		case unix.S_IFREG:
			key := [2]uint64{st.Dev, st.Ino}
			if st.Nlink > 1 {
				if first, ok := links[key]; ok {
					return os.Link(first, target)
				}
				links[key] = target
			}
			if err := copyFile(path, target); err != nil {
				return err
			}
		case unix.S_IFLNK:
			dest, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if err := os.Symlink(dest, target); err != nil {
				return err
			}
		case unix.S_IFIFO:
			if err := unix.Mkfifo(target, 0o600); err != nil {
				return &fs.PathError{Op: "mkfifo", Path: target, Err: err}
			}
		default:
			logrus.Debugf("copy-up: skipping %s: devices and sockets cannot be copied in a user namespace", path)
			return nil
		}
		return setMeta(target, &st)
	})
	if err != nil {
		return err
	}
	// Directories last, deepest first: creating their entries changed their times, and a read-only
	// mode would have stopped the copy.
	slices.Reverse(dirs)
	for _, d := range dirs {
		if err := setMeta(d.path, d.st); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies a regular file's content into a new file (mode 0600 until setMeta).
func copyFile(src, dst string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// setMeta gives path the owner, mode and times of st: the owner first, as chown clears set-ID bits.
func setMeta(path string, st *unix.Stat_t) error {
	if err := os.Lchown(path, int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, unix.EINVAL) {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := unix.Chmod(path, st.Mode&0o7777); err != nil {
			return &fs.PathError{Op: "chmod", Path: path, Err: err}
		}
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "utimes", Path: path, Err: err}
	}
	return nil
}

// chownTree gives every file under root, root included, the owner uid:gid, without following symlinks
// (:U). Set-ID bits that chown clears are put back.
func chownTree(root string, uid, gid int) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return &fs.PathError{Op: "lstat", Path: path, Err: err}
		}
		if int(st.Uid) == uid && int(st.Gid) == gid {
			return nil
		}
		if err := os.Lchown(path, uid, gid); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFLNK && st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
			return unix.Chmod(path, st.Mode&0o7777)
		}
		return nil
	})
}

// isEmptyDir reports whether dir has no entries.
func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}
