package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// start is when the process began; log lines show seconds since then, as Podman's do.
var start = time.Now()

// logFormatter prints `WARN[0000] message` lines, Podman's look, whether or not stderr is a terminal.
type logFormatter struct{}

func (logFormatter) Format(e *logrus.Entry) ([]byte, error) {
	level := strings.ToUpper(e.Level.String())
	if len(level) > 4 {
		level = level[:4]
	}
	var fields strings.Builder
	for k, v := range e.Data {
		fmt.Fprintf(&fields, " %s=%v", k, v)
	}
	return fmt.Appendf(nil, "%s[%04d] %s%s\n", level, int(e.Time.Sub(start).Seconds()), e.Message, fields.String()), nil
}

// heldLog keeps the log lines (warnings) a command writes before its first line of output and lets them
// through right after it, or when the command ends: `id=$(skiff run -d …)` and a script reading stdout
// and stderr together both see the value first, and warnings still go to stderr only.
type heldLog struct {
	mu      sync.Mutex
	holding bool
	held    bytes.Buffer
	err     io.Writer
}

func (h *heldLog) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.holding {
		return h.held.Write(p)
	}
	return h.err.Write(p)
}

// release writes what is held and stops holding.
func (h *heldLog) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holding = false
	if h.held.Len() > 0 {
		_, _ = h.err.Write(h.held.Bytes())
		h.held.Reset()
	}
}

// releasingWriter is the command's stdout: each write lets the held log lines through after it.
type releasingWriter struct {
	out *os.File
	log *heldLog
}

// Fd lets callers that check for a terminal (export, attach) see the file underneath.
func (w releasingWriter) Fd() uintptr { return w.out.Fd() }

func (w releasingWriter) Write(p []byte) (int, error) {
	n, err := w.out.Write(p)
	w.log.release()
	return n, err
}
