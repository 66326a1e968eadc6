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
	lr := &logReader{path: e.logPath(c)}
	if err := lr.open(); err != nil {
		return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
	}
	defer lr.close()
	p := logPrinter{o: o}
	if o.Names {
		p.prefix = c.Name() + " "
	}
	var lines []logLine
	if err := lr.read(func(l logLine) { lines = append(lines, l) }); err != nil {
		return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
	}
	if o.Tail >= 0 && len(lines) > o.Tail {
		lines = lines[len(lines)-o.Tail:]
	}
	for _, l := range lines {
		p.print(l)
	}
	if !o.Follow {
		lr.flush(p.print)
		return nil
	}
	for {
		running := c.State.Status == StatusRunning || c.State.Status == StatusPaused || c.State.Status == StatusStopping ||
			(c.State.Status == StatusCreated && c.State.Token != "")
		if err := lr.follow(p.print); err != nil {
			return fmt.Errorf("read logs of container %s: %w", c.Name(), err)
		}
		if !running {
			// The monitor writes the log before the exit file: all output is in.
			lr.flush(p.print)
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

// logReader reads a k8s-file log, the part rotated away by --log-opt max-size first, joining partial
// lines; it keeps a line still being written for the next read.
type logReader struct {
	path    string
	f       *os.File
	old     *os.File
	r       *bufio.Reader
	pending *logLine
}

// open opens the log; a log not written yet (a container never started) is no error.
func (lr *logReader) open() error {
	f, err := os.Open(lr.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	lr.f = f
	lr.r = bufio.NewReaderSize(f, 64<<10)
	// The monitor writes whole lines, so no line spans the two files, and a line still being written is
	// always in f.
	if old, err := os.Open(RotatedLogPath(lr.path)); err == nil {
		lr.old = old
		lr.r = bufio.NewReaderSize(io.MultiReader(old, f), 64<<10)
	}
	return nil
}

func (lr *logReader) close() {
	for _, f := range []*os.File{lr.f, lr.old} {
		if f != nil {
			f.Close()
		}
	}
}

// read consumes what the file holds now, emitting whole lines through emit.
func (lr *logReader) read(emit func(logLine)) error {
	for lr.r != nil {
		s, err := lr.r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				if s != "" {
					// A line still being written: read it again next time.
					if _, serr := lr.f.Seek(-int64(len(s)), io.SeekCurrent); serr == nil {
						lr.r.Reset(lr.f)
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
		if lr.pending != nil && lr.pending.stream == l.Stream {
			lr.pending.text += l.Text
		} else {
			if lr.pending != nil {
				emit(*lr.pending)
			}
			lr.pending = &logLine{t: l.Time, stream: l.Stream, text: l.Text}
		}
		if !l.Partial {
			lr.pending.nl = true
			emit(*lr.pending)
			lr.pending = nil
		}
	}
	return nil
}

// follow reads what is new, opening the log once it exists and moving to the new file after a
// rotation.
func (lr *logReader) follow(emit func(logLine)) error {
	if lr.f == nil {
		if err := lr.open(); err != nil {
			return err
		}
	}
	if err := lr.read(emit); err != nil {
		return err
	}
	if lr.f != nil && rotated(lr.f, lr.path) {
		// The monitor rotated the log: finish the old file, then go on in the new one.
		if err := lr.read(emit); err != nil {
			return err
		}
		if nf, err := os.Open(lr.path); err == nil {
			lr.f.Close()
			lr.f = nf
			lr.r.Reset(nf)
		}
	}
	return nil
}

// flush emits a last line that has no newline.
func (lr *logReader) flush(emit func(logLine)) {
	if lr.pending != nil {
		emit(*lr.pending)
		lr.pending = nil
	}
}

// logPrinter writes log lines as logs's options ask.
type logPrinter struct {
	o      LogsOptions
	prefix string
}

func (p logPrinter) print(l logLine) {
	o := p.o
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
	fmt.Fprint(w, p.prefix+text)
}

// rotated reports whether path is no longer the file f has open.
func rotated(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && !os.SameFile(a, b)
}
