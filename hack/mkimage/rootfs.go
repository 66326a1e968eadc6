package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// RootfsStats counts what EntriesFromDir left out.
type RootfsStats struct {
	Entries  int
	Skipped  int      // device nodes, sockets, fifos
	Examples []string // a few skipped paths, for the log
}

// EntriesFromDir walks the directory root in lexical order and returns one
// entry per file, keeping the on-disk ownership, mode bits (setuid and
// friends included), symlinks and hard links (the second and later names of
// an inode become TypeHardlink to the first). Device nodes, sockets and
// fifos are skipped. Extended attributes are not carried.
func EntriesFromDir(root string) ([]Entry, RootfsStats, error) {
	var (
		entries []Entry
		stats   RootfsStats
	)
	type inode struct{ dev, ino uint64 }
	firstName := map[inode]string{}
	rootInfo, err := os.Lstat(root)
	if err != nil {
		return nil, stats, err
	}
	rootDev := rootInfo.Sys().(*syscall.Stat_t).Dev

	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("stat %s: no syscall.Stat_t", p)
		}
		e := Entry{
			Path:    filepath.ToSlash(rel),
			Mode:    unixPerm(fi.Mode()),
			UID:     int(st.Uid),
			GID:     int(st.Gid),
			ModTime: fi.ModTime(),
		}
		switch m := fi.Mode(); {
		case m.IsDir():
			e.Type = TypeDir
			if st.Dev != rootDev {
				// A mount point (proc, sys left mounted): keep the
				// directory, not the other file system's contents.
				entries = append(entries, e)
				return fs.SkipDir
			}
		case m.IsRegular():
			e.Type = TypeFile
			if st.Nlink > 1 {
				key := inode{uint64(st.Dev), st.Ino} //nolint:unconvert // Dev is not uint64 on every arch
				if first, ok := firstName[key]; ok {
					e = Entry{Path: e.Path, Type: TypeHardlink, Linkname: first}
					break
				}
				firstName[key] = e.Path
			}
			e.Source = p
		case m&fs.ModeSymlink != 0:
			e.Type = TypeSymlink
			if e.Linkname, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			stats.Skipped++
			if len(stats.Examples) < 5 {
				stats.Examples = append(stats.Examples, "/"+e.Path)
			}
			return nil
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, stats, fmt.Errorf("walk %s: %w", root, err)
	}
	stats.Entries = len(entries)
	return entries, stats, nil
}

// unixPerm converts Go's file mode to the 07777 bits a tar header carries.
func unixPerm(m fs.FileMode) int64 {
	p := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}
