package container

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/skiffproject/skiff/runtime/monitor"
)

// LogsOptions control Logs.
type LogsOptions struct {
	// Follow keeps printing new output until the container exits.
	Follow bool
	// Tail prints only the last N lines (negative: all).
	Tail int
	// Since and Until keep lines logged in [Since, Until] (zero: unbounded).
	Since, Until time.Time
	// Timestamps prefixes each line with its time.
	Timestamps bool
	// Names prefixes each line with the container's name (several containers).
	Names    bool
	Out, Err io.Writer
}

// logLine is one whole line of output, rebuilt from its partial pieces.
type logLine struct {
	t      time.Time
	stream string
	text   string
	nl     bool // the line ended with a newline
}

// Logs prints the output of container nameOrID from its k8s-file log.
func (e *Engine) Logs(ctx context.Context, nameOrID string, o LogsOptions) error {
	c, err := e.Get(nameOrID)
	if err != nil {
		return err
	}
	switch c.Config.LogDriver {
	case monitor.LogNone:
		return fmt.Errorf("container %s was created with --log-driver none: it keeps no logs", c.Name())
	case monitor.LogJournald:
		return fmt.Errorf("container %s logs to journald: read them with journalctl CONTAINER_ID_FULL=%s", c.Name(), c.ID)
	}
	path := e.logPath(c)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if !o.Follow {
			return nil // never started
		}
	} else if err != nil {
		return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
	}
	var r *bufio.Reader
	if f != nil {
		defer f.Close()
		r = bufio.NewReaderSize(f, 64<<10)
		// --log-opt max-size: the part rotated away comes first. The monitor writes whole lines, so no
		// line spans the two files, and a line still being written is always in f.
		if old, err := os.Open(RotatedLogPath(path)); err == nil {
			defer old.Close()
			r = bufio.NewReaderSize(io.MultiReader(old, f), 64<<10)
		}
	}
	prefix := ""
	if o.Names {
		prefix = c.Name() + " "
	}
	var pending *logLine
	var lines []logLine
	// read consumes what the file holds now, emitting whole lines through emit.
	read := func(emit func(logLine)) error {
		for r != nil {
			s, err := r.ReadString('\n')
			if err != nil {
				if errors.Is(err, io.EOF) {
					if s != "" {
						// A line still being written: read it again next time.
						if _, serr := f.Seek(-int64(len(s)), io.SeekCurrent); serr == nil {
							r.Reset(f)
						}
					}
					return nil
				}
				return err
			}
			l, err := monitor.ParseLogLine(strings.TrimSuffix(s, "\n"))
			if err != nil {
				continue
			}
			if pending != nil && pending.stream == l.Stream {
				pending.text += l.Text
			} else {
				if pending != nil {
					emit(*pending)
				}
				pending = &logLine{t: l.Time, stream: l.Stream, text: l.Text}
			}
			if !l.Partial {
				pending.nl = true
				emit(*pending)
				pending = nil
			}
		}
		return nil
	}
	print := func(l logLine) {
		if (!o.Since.IsZero() && l.t.Before(o.Since)) || (!o.Until.IsZero() && l.t.After(o.Until)) {
			return
		}
		w := o.Out
		if l.stream == "stderr" {
			w = o.Err
		}
		text := l.text
		if l.nl {
			text += "\n"
		}
		if o.Timestamps {
			text = l.t.Format(time.RFC3339Nano) + " " + text
		}
		fmt.Fprint(w, prefix+text)
	}
	if err := read(func(l logLine) { lines = append(lines, l) }); err != nil {
		return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
	}
	if o.Tail >= 0 && len(lines) > o.Tail {
		lines = lines[len(lines)-o.Tail:]
	}
	for _, l := range lines {
		print(l)
	}
	if !o.Follow {
		if pending != nil {
			print(*pending)
		}
		return nil
	}
	for {
		running := c.State.Status == StatusRunning || c.State.Status == StatusPaused || c.State.Status == StatusStopping ||
			(c.State.Status == StatusCreated && c.State.Token != "")
		if f == nil {
			if f, err = os.Open(path); err == nil {
				defer f.Close()
				r = bufio.NewReaderSize(f, 64<<10)
			}
		}
		if err := read(print); err != nil {
			return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
		}
		if f != nil && rotated(f, path) {
			// The monitor rotated the log: finish the old file, then go on in the new one.
			if err := read(print); err != nil {
				return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
			}
			if nf, err := os.Open(path); err == nil {
				defer nf.Close()
				f = nf
				r.Reset(f)
			}
		}
		if !running {
			// The monitor writes the log before the exit file: all output is in.
			if pending != nil {
				print(*pending)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
		e.observe(c)
	}
}

// rotated reports whether path is no longer the file f has open.
func rotated(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && !os.SameFile(a, b)
}
