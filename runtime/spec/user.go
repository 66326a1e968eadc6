package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"
)

// User is the identity a container's process runs as, resolved to numeric IDs.
type User struct {
	UID, GID       uint32
	AdditionalGIDs []uint32
	// Home is the user's home directory from the image's /etc/passwd, or "/" when it has none
	// (Podman's default). Generate sets HOME to it when the environment has no HOME.
	Home string
}

// ResolveUser resolves a --user value against the image's /etc/passwd and /etc/group under rootfs.
//
// The forms are Docker's: "" (root), "name", "uid", "name:group", "uid:gid", "name:gid", "uid:group".
// A name that the image does not know is an error (Podman's text: "unable to find user NAME: no matching
// entries in passwd file"); a numeric uid that it does not know is fine and gets gid 0 unless one is given.
// A user found by name or uid also gets the supplementary groups that list it in /etc/group.
//
// The files are opened inside rootfs without ever leaving it: an absolute or ".." symlink in the image
// (say /etc/passwd -> /etc/shadow of the host) resolves within rootfs, as if rootfs were "/".
func ResolveUser(rootfs, spec string) (User, error) {
	passwd, err := openInRoot(rootfs, "/etc/passwd")
	if err != nil {
		return User{}, err
	}
	if passwd != nil {
		defer passwd.Close()
	}
	group, err := openInRoot(rootfs, "/etc/group")
	if err != nil {
		return User{}, err
	}
	if group != nil {
		defer group.Close()
	}
	// A nil *os.File in an io.Reader is not a nil io.Reader: moby/sys/user treats a nil reader as "no file".
	var pr, gr io.Reader
	if passwd != nil {
		pr = passwd
	}
	if group != nil {
		gr = group
	}
	eu, err := user.GetExecUser(spec, &user.ExecUser{Home: "/"}, pr, gr)
	if err != nil {
		return User{}, err
	}
	u := User{UID: uint32(eu.Uid), GID: uint32(eu.Gid), Home: eu.Home}
	if u.Home == "" {
		u.Home = "/"
	}
	for _, g := range eu.Sgids {
		if uint32(g) != u.GID {
			u.AdditionalGIDs = append(u.AdditionalGIDs, uint32(g))
		}
	}
	return u, nil
}

// openInRoot opens path inside root for reading, resolving symlinks as if root were "/".
// A missing file gives (nil, nil).
func openInRoot(root, path string) (*os.File, error) {
	h, err := securejoin.OpenInRoot(root, path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", path, root, err)
	}
	defer h.Close()
	// Reopening a FIFO or a device would block or worse: only a regular file is read.
	if st, err := h.Stat(); err != nil {
		return nil, fmt.Errorf("stat %s in %s: %w", path, root, err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s in %s is not a regular file", path, root)
	}
	f, err := securejoin.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", path, root, err)
	}
	return f, nil
}
