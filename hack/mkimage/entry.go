package main

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// EntryType is the kind of a layer entry.
type EntryType int

// Entry types. Whiteout and Opaque are written as the OCI ".wh." marker
// files; the others map to one tar header each.
const (
	TypeFile     EntryType = iota // regular file, content from Data or Source
	TypeDir                       // directory
	TypeSymlink                   // symbolic link to Linkname
	TypeHardlink                  // hard link to the earlier file Linkname
	TypeWhiteout                  // deletes Path from lower layers (".wh.NAME")
	TypeOpaque                    // hides the lower contents of directory Path (".wh..wh..opq")
)

func (t EntryType) String() string {
	switch t {
	case TypeFile:
		return "file"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	case TypeHardlink:
		return "hardlink"
	case TypeWhiteout:
		return "whiteout"
	case TypeOpaque:
		return "opaque"
	}
	return fmt.Sprintf("EntryType(%d)", int(t))
}

// Whiteout prefixes, as in the OCI image spec (layer.md).
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// Entry declares one path in a layer. Ownership and mode are explicit: the
// builder never looks at the host's ownership of Data or Source.
type Entry struct {
	Path     string    // path inside the image; a leading "/" is optional
	Type     EntryType // what to create
	Mode     int64     // permission bits, including setuid/setgid/sticky (07777)
	UID, GID int       // numeric owner
	Data     []byte    // content of a TypeFile when Source is empty
	Source   string    // host file whose content a TypeFile gets
	Linkname string    // symlink target, or hardlink target path inside the image
	ModTime  time.Time // zero means the layer's fixed timestamp
}

// File returns a regular file entry with inline content.
func File(p string, mode int64, uid, gid int, data []byte) Entry {
	return Entry{Path: p, Type: TypeFile, Mode: mode, UID: uid, GID: gid, Data: data}
}

// Dir returns a directory entry.
func Dir(p string, mode int64, uid, gid int) Entry {
	return Entry{Path: p, Type: TypeDir, Mode: mode, UID: uid, GID: gid}
}

// Symlink returns a symlink entry owned by root.
func Symlink(p, target string) Entry {
	return Entry{Path: p, Type: TypeSymlink, Mode: 0o777, Linkname: target}
}

// Hardlink returns a hard link to the earlier entry target.
func Hardlink(p, target string) Entry {
	return Entry{Path: p, Type: TypeHardlink, Linkname: target}
}

// Whiteout returns an entry that deletes p from the layers below.
func Whiteout(p string) Entry {
	return Entry{Path: p, Type: TypeWhiteout}
}

// Opaque returns an entry that hides the lower contents of directory p.
func Opaque(p string) Entry {
	return Entry{Path: p, Type: TypeOpaque}
}

var errBadPath = errors.New("invalid path")

// cleanPath turns an image path into its tar form: relative, cleaned, no
// trailing slash. It rejects the root itself and anything escaping it.
func cleanPath(p string) (string, error) {
	if p == "" || strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("%w: %q", errBadPath, p)
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return "", fmt.Errorf("%w: %q has a \"..\" element", errBadPath, p)
		}
	}
	c := strings.TrimPrefix(path.Clean("/"+p), "/")
	if c == "" {
		return "", fmt.Errorf("%w: %q is the root", errBadPath, p)
	}
	return c, nil
}
