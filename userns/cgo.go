package userns

// #include <stdlib.h>
// #include "join.h"
import "C"

import (
	"errors"
	"os"
	"strconv"
	"unsafe"
)

// joinError says why the constructor could not join a recorded pause process ("" if it did, or if there
// was none).
var joinError string

// init is the Go half of the constructor (join.c), and the one init of the project that sets state
// (cmd/skiff/roles.go says why): it must run before any Go code reads the environment. It publishes
// what the constructor did where this process's code, containers/storage and every child process look:
// the runtime directory (also as XDG_RUNTIME_DIR when that was unset or not the user's), and, after a
// join, the names containers/storage uses to know that it runs rootless inside a namespace set up for
// it. It also takes Enter's re-exec mark out of the environment, so that no child inherits it.
func init() {
	reexeced = os.Getenv("_SKIFF_REEXEC") != ""
	os.Unsetenv("_SKIFF_REEXEC")
	r := &C.skiff_join_result
	joinError = C.GoString(&r.error[0])
	rundir := C.GoString(&r.rundir[0])
	if rundir == "" {
		return
	}
	os.Setenv("_SKIFF_RUNTIME_DIR", rundir)
	if os.Getenv("XDG_RUNTIME_DIR") != rundir {
		os.Setenv("XDG_RUNTIME_DIR", rundir)
	}
	if r.pause_pid > 0 {
		os.Setenv("_CONTAINERS_USERNS_CONFIGURED", "init")
		os.Setenv("_CONTAINERS_ROOTLESS_UID", strconv.Itoa(int(r.uid)))
		os.Setenv("_CONTAINERS_ROOTLESS_GID", strconv.Itoa(int(r.gid)))
	}
}

// pauseArgv0 is argv[0] of the pause process, shared with join.c.
const pauseArgv0 = C.SKIFF_PAUSE_ARGV0

// privateEnv marks a pause process that keeps to its runtime directory, shared with join.c.
const privateEnv = C.SKIFF_PRIVATE_ENV

// runtimeDirFor applies the constructor's runtime-directory rule (see join.c) to explicit inputs.
func runtimeDirFor(xdg, runUser, tmpdir string, uid int) (string, error) {
	cx, cr, ct := cstr(xdg), C.CString(runUser), cstr(tmpdir)
	defer C.free(unsafe.Pointer(cx))
	defer C.free(unsafe.Pointer(cr))
	defer C.free(unsafe.Pointer(ct))
	buf := make([]byte, 4096)
	if C.skiff_runtime_dir(cx, cr, ct, C.uid_t(uid), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf))) != 0 {
		return "", errors.New("runtime directory path too long")
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// pausePIDValid reports whether pid is a live skiff pause process owned by uid.
func pausePIDValid(pid, uid int) bool {
	return C.skiff_pause_pid_valid(C.pid_t(pid), C.uid_t(uid)) != 0
}

// ConstructorTimes returns the CLOCK_MONOTONIC nanoseconds at which the constructor that joins the
// user's namespace started and ended, for the trace of a command's phases.
func ConstructorTimes() (started, ended int64) {
	return int64(C.skiff_join_result.started), int64(C.skiff_join_result.ended)
}

// findPause returns a live pause process of uid found among all processes, or 0.
func findPause(uid int) int {
	return int(C.skiff_find_pause(C.uid_t(uid)))
}

func cstr(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}
