package monitor

import (
	"fmt"
	"strings"
	"time"
)

// LogLine is one line of a k8s-file log: "TIME STREAM F|P TEXT".
type LogLine struct {
	Time   time.Time
	Stream string // "stdout" or "stderr"
	// Partial is true for a piece of a line that had no newline when it was read ("P").
	Partial bool
	Text    string
}

// ParseLogLine parses one k8s-file line, without its newline.
func ParseLogLine(s string) (LogLine, error) {
	f := strings.SplitN(s, " ", 4)
	if len(f) < 3 {
		return LogLine{}, fmt.Errorf("parse log line %q: want TIME STREAM F|P TEXT", s)
	}
	t, err := time.Parse(time.RFC3339Nano, f[0])
	if err != nil {
		return LogLine{}, fmt.Errorf("parse log line %q: %w", s, err)
	}
	if f[1] != "stdout" && f[1] != "stderr" {
		return LogLine{}, fmt.Errorf("parse log line %q: unknown stream %q", s, f[1])
	}
	if f[2] != "F" && f[2] != "P" {
		return LogLine{}, fmt.Errorf("parse log line %q: unknown tag %q", s, f[2])
	}
	l := LogLine{Time: t, Stream: f[1], Partial: f[2] == "P"}
	if len(f) == 4 {
		l.Text = f[3]
	}
	return l, nil
}
