package pods

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
)

// LogsOptions control Logs.
type LogsOptions struct {
	// Container keeps only that container of the pod (name or ID; -c).
	Container string
	// Follow keeps printing until every container has exited.
	Follow bool
	// Tail prints only the last N lines of each container (negative: all).
	Tail int
	// Since and Until keep lines logged in [Since, Until] (zero: unbounded).
	Since, Until time.Time
	// Timestamps prints each line's time after the container.
	Timestamps bool
	// Names prefixes lines with the container's name instead of its short ID (-n).
	Names    bool
	Out, Err io.Writer
}

// Logs prints the output of the pod's containers (the infra container has none), each line prefixed
// with its container's short ID (or name), as Podman's pod logs does. Without Follow the lines of all
// containers are merged in time order; with Follow they are printed as they come.
func (e *Engine) Logs(ctx context.Context, nameOrID string, o LogsOptions) error {
	v, err := e.Get(nameOrID)
	if err != nil {
		return err
	}
	ctrs := v.Members()
	if o.Container != "" {
		ctrs = slices.DeleteFunc(ctrs, func(c *container.Container) bool {
			return c.ID != o.Container && c.Name() != o.Container && !strings.HasPrefix(c.ID, o.Container)
		})
		if len(ctrs) == 0 {
			return fmt.Errorf("pod %s has no container %q: %w", v.Name, o.Container, container.ErrNoSuchContainer)
		}
	}
	prefix := func(c *container.Container) string {
		if o.Names {
			return c.Name() + " "
		}
		return shortID(c.ID) + " "
	}
	if o.Follow {
		return e.follow(ctx, ctrs, prefix, o)
	}
	var lines []logLine
	for _, c := range ctrs {
		col := &collector{prefix: prefix(c)}
		err := e.ctr.Logs(ctx, c.ID, container.LogsOptions{Tail: o.Tail, Since: o.Since, Until: o.Until, Timestamps: true,
			Out: col.stream(false), Err: col.stream(true)})
		if err != nil {
			return err
		}
		lines = append(lines, col.lines...)
	}
	slices.SortStableFunc(lines, func(a, b logLine) int { return a.t.Compare(b.t) })
	for _, l := range lines {
		w := o.Out
		if l.stderr {
			w = o.Err
		}
		text := l.text
		if o.Timestamps {
			text = l.stamp + " " + text
		}
		if _, err := io.WriteString(w, l.prefix+text); err != nil {
			return err
		}
	}
	return nil
}

// follow runs a following Logs per container, each line prefixed, until all have returned.
func (e *Engine) follow(ctx context.Context, ctrs []*container.Container, prefix func(*container.Container) string, o LogsOptions) error {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs = make([]error, len(ctrs))
	)
	for i, c := range ctrs {
		wg.Add(1)
		go func(i int, c *container.Container, ce *container.Engine) {
			defer wg.Done()
			p := prefix(c)
			errs[i] = ce.Logs(ctx, c.ID, container.LogsOptions{Follow: true, Tail: o.Tail, Since: o.Since, Until: o.Until,
				Timestamps: o.Timestamps, Out: &prefixWriter{mu: &mu, w: o.Out, prefix: p}, Err: &prefixWriter{mu: &mu, w: o.Err, prefix: p}})
		}(i, c, e.ctr.Clone())
	}
	wg.Wait()
	return errors.Join(errs...)
}

// prefixWriter writes each line (container.Logs writes one per call) after a prefix, one writer at a
// time.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

// logLine is one line of a container's log with its time.
type logLine struct {
	t      time.Time
	stamp  string
	text   string
	prefix string
	stderr bool
}

// collector keeps the timestamped lines container.Logs writes, one per call.
type collector struct {
	prefix string
	lines  []logLine
}

type collectorStream struct {
	c      *collector
	stderr bool
}

func (c *collector) stream(stderr bool) io.Writer { return &collectorStream{c: c, stderr: stderr} }

func (s *collectorStream) Write(b []byte) (int, error) {
	stamp, text, _ := bytes.Cut(b, []byte(" "))
	t, err := time.Parse(time.RFC3339Nano, string(stamp))
	if err != nil {
		return 0, fmt.Errorf("log line without a time: %q", b)
	}
	s.c.lines = append(s.c.lines, logLine{t: t, stamp: string(stamp), text: string(text), prefix: s.c.prefix, stderr: s.stderr})
	return len(b), nil
}

// Top lists the processes of the pod's running containers (`pod top`): the rows of container top for
// each PID namespace once, under one header.
func (e *Engine) Top(nameOrID string, descriptors []string) ([][]string, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	var out [][]string
	seen := map[string]bool{}
	ctrs := v.Members()
	if v.Infra != nil {
		ctrs = append([]*container.Container{v.Infra}, ctrs...)
	}
	for _, c := range ctrs {
		if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused {
			continue
		}
		if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.State.Pid)); err == nil {
			if seen[ns] {
				continue // a shared PID namespace: its processes are listed already
			}
			seen[ns] = true
		}
		rows, err := view.Top(e.ctr, c.ID, descriptors)
		if errors.Is(err, container.ErrNotRunning) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(out) == 0 {
			out = rows
		} else if len(rows) > 1 {
			out = append(out, rows[1:]...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("top: pod %s has no running containers: %w", v.Name, container.ErrNotRunning)
	}
	return out, nil
}
