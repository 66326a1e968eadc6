// Package userns puts every skiff command inside the invoking user's own user and mount namespace.
//
// The first command that needs the namespace creates it: it starts a pause process in a new user+mount
// namespace, maps the user's subordinate IDs into it with newuidmap/newgidmap (or maps only the user's own
// IDs when there are none), records the pause PID in the runtime directory and re-executes itself. Every
// later skiff process joins that namespace in a cgo constructor (join.c) before the Go runtime starts, so
// mounts made by one command are seen by the next and no command pays for the set-up again.
//
// The runtime directory is $XDG_RUNTIME_DIR when the user owns it, else /run/user/UID when the user owns it
// with mode 0700, else $TMPDIR/skiff-run-UID (created with mode 0700). Nothing here needs systemd, D-Bus or
// a login session.
package userns

import (
	"os"
	"path/filepath"
	"strconv"
)

// reexeced is true in the process that Enter re-executed; it guards against a re-exec loop. init
// (cgo.go) sets it.
var reexeced bool

// Rootless reports whether skiff runs for an unprivileged user (inside its namespace or not yet).
func Rootless() bool {
	return os.Geteuid() != 0 || os.Getenv("_CONTAINERS_USERNS_CONFIGURED") != ""
}

// Inside reports whether the process runs inside the user's namespace.
func Inside() bool {
	return os.Geteuid() == 0 && os.Getenv("_CONTAINERS_USERNS_CONFIGURED") != ""
}

// HostUID and HostGID return the invoking user's IDs as the host sees them, inside the namespace too.
func HostUID() int { return hostID("_CONTAINERS_ROOTLESS_UID", os.Geteuid()) }

// HostGID is HostUID's group counterpart.
func HostGID() int { return hostID("_CONTAINERS_ROOTLESS_GID", os.Getegid()) }

func hostID(env string, own int) int {
	if Inside() {
		if id, err := strconv.Atoi(os.Getenv(env)); err == nil {
			return id
		}
	}
	return own
}

// RuntimeDir returns the user's runtime directory (for root, /run).
func RuntimeDir() string {
	if !Rootless() {
		return "/run"
	}
	if d := os.Getenv("_SKIFF_RUNTIME_DIR"); d != "" {
		return d
	}
	// Not set by the constructor: a binary linked without it would end here; apply the same rule.
	d, err := runtimeDirFor(os.Getenv("XDG_RUNTIME_DIR"), "/run/user", os.Getenv("TMPDIR"), HostUID())
	if err != nil {
		return filepath.Join(os.TempDir(), "skiff-run-"+strconv.Itoa(HostUID()))
	}
	return d
}

// StateDir returns skiff's directory inside the runtime directory: pause.pid and its lock live there.
func StateDir() string { return filepath.Join(RuntimeDir(), "skiff") }

// PausePIDFile returns the path of the file that records the pause process.
func PausePIDFile() string { return filepath.Join(StateDir(), "pause.pid") }
