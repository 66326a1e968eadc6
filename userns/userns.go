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
