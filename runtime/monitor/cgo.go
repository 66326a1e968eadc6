package monitor

// #include <stdlib.h>
// #include "monitor.h"
import "C"

import (
	"time"
	"unsafe"
)

// argv0 is argv[0] of a monitor process, as `ps` shows it.
const argv0 = C.SKIFF_MONITOR_ARGV0

// Frame types on the attach socket, shared with monitor.c.
const (
	frameStdin    = C.SKIFF_FRAME_STDIN
	frameStdout   = C.SKIFF_FRAME_STDOUT
	frameStderr   = C.SKIFF_FRAME_STDERR
	frameExit     = C.SKIFF_FRAME_EXIT
	frameResize   = C.SKIFF_FRAME_RESIZE
	frameStdinEOF = C.SKIFF_FRAME_STDIN_EOF
	frameClaim    = C.SKIFF_FRAME_CLAIM
	frameDone     = C.SKIFF_FRAME_DONE
	frameMax      = C.SKIFF_FRAME_MAX
)

// formatLog renders data the way the monitor writes it to a k8s-file log, for tests of the format.
func formatLog(t time.Time, stream string, data []byte) string {
	if len(data) == 0 {
		return ""
	}
	lines := 1
	for _, b := range data {
		if b == '\n' {
			lines++
		}
	}
	out := C.malloc(C.size_t(len(data) + 96*lines))
	defer C.free(out)
	cs := C.CString(stream)
	defer C.free(unsafe.Pointer(cs))
	ts := C.struct_timespec{tv_sec: C.time_t(t.Unix()), tv_nsec: C.long(t.Nanosecond())}
	n := C.skiff_k8s_format((*C.char)(out), &ts, cs, (*C.char)(unsafe.Pointer(&data[0])), C.size_t(len(data)))
	return C.GoStringN((*C.char)(out), C.int(n))
}
