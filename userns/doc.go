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
//
// It belongs to the ground layer (test/layers) and must not import any other skiff package: its cgo
// constructor runs before the Go runtime for every role of the skiff binary, so nothing it links may
// need more.
package userns
