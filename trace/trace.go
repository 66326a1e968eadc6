package trace

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	enabled = os.Getenv("SKIFF_TRACE") == "1"

	mu   sync.Mutex
	last int64 // monotonic nanoseconds of the last mark
	rows []row
)

type row struct {
	phase string
	ns    int64
}

// Now returns the monotonic clock in nanoseconds: CLOCK_MONOTONIC, as the C constructors read it.
func Now() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// Enabled reports whether SKIFF_TRACE=1 asked for a trace.
func Enabled() bool { return enabled }

// Begin starts the trace of this process. ctorStart and ctorEnd are the monotonic times at which the
// user-namespace constructor began and ended (0 when it did nothing to time): the constructor's own
// phase, then the Go runtime's start and the package inits up to now, come first.
func Begin(ctorStart, ctorEnd int64) {
	if !enabled {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	rows = rows[:0]
	if ctorStart > 0 && ctorEnd >= ctorStart {
		rows = append(rows, row{"constructor: join the user namespace", ctorEnd - ctorStart})
		last = ctorEnd
		t := Now()
		rows = append(rows, row{"Go runtime start and package inits", t - last})
		last = t
		return
	}
	last = Now()
}

// Mark ends the current phase, naming it.
func Mark(phase string) {
	if !enabled {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	t := Now()
	if last == 0 {
		last = t
	}
	rows = append(rows, row{phase, t - last})
	last = t
}

// Print writes the phases and their total to w, if a trace was asked for.
func Print(w io.Writer) {
	if !enabled {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	var total int64
	fmt.Fprintf(w, "skiff trace (%s):\n", os.Args[0])
	for _, r := range rows {
		total += r.ns
		fmt.Fprintf(w, "  %-44s %8.2f ms\n", r.phase, float64(r.ns)/1e6)
	}
	fmt.Fprintf(w, "  %-44s %8.2f ms\n", "total", float64(total)/1e6)
}
