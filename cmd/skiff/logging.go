package main

import (
	"fmt"
	"strings"
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
