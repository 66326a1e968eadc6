package events

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// TypeContainer is the type of container events.
const TypeContainer = "container"

// Event is one thing that happened; the field names are Podman's.
type Event struct {
	ID         string            `json:"ID"`
	Image      string            `json:"Image"`
	Name       string            `json:"Name"`
	Status     string            `json:"Status"`
	Type       string            `json:"Type"`
	Time       time.Time         `json:"Time"`
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// String is Podman's human-readable line: TIME TYPE STATUS ID (image=…, name=…, KEY=VALUE…).
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s (image=%s, name=%s", e.Time, e.Type, e.Status, e.ID, e.Image, e.Name)
	keys := make([]string, 0, len(e.Attributes))
	for k := range e.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s=%s", k, e.Attributes[k])
	}
	b.WriteString(")")
	return b.String()
}

// Log is the events file.
type Log struct{ Path string }

// New returns the log in the runtime directory dir (cleared at reboot, as Podman's is).
func New(dir string) *Log { return &Log{Path: filepath.Join(dir, "events", "events.log")} }

// Write appends e as one line in a single write, so concurrent writers never interleave.
func (l *Log) Write(e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Type == "" {
		e.Type = TypeContainer
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(l.Path), 0o700); err == nil {
			f, err = os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		}
	}
	if err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	return nil
}

// Filter selects events: every key must match one of its values (Podman's --filter semantics).
type Filter map[string][]string

// FilterKeys are the --filter keys.
var FilterKeys = []string{"container", "event", "image", "label", "type"}

// ParseFilters parses --filter KEY=VALUE values.
func ParseFilters(values []string) (Filter, error) {
	f := Filter{}
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if k == "status" {
			k = "event"
		}
		known := false
		for _, fk := range FilterKeys {
			known = known || fk == k
		}
		if !ok || val == "" || !known {
			return nil, fmt.Errorf("--filter %q: want KEY=VALUE with KEY one of %s", v, strings.Join(FilterKeys, ", "))
		}
		f[k] = append(f[k], val)
	}
	return f, nil
}

// Match reports whether e passes f.
func (f Filter) Match(e Event) bool {
	for k, vals := range f {
		ok := false
		for _, v := range vals {
			switch k {
			case "container":
				ok = ok || v == e.Name || (len(v) >= 3 && strings.HasPrefix(e.ID, v))
			case "event":
				ok = ok || v == e.Status
			case "image":
				ok = ok || v == e.Image || strings.TrimPrefix(e.Image, "localhost/") == v
			case "type":
				ok = ok || v == e.Type
			case "label":
				lk, lv, hasValue := strings.Cut(v, "=")
				av, present := e.Attributes[lk]
				ok = ok || (present && (!hasValue || av == lv))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// ReadOptions choose the events Read returns.
type ReadOptions struct {
	Filter       Filter
	Since, Until time.Time // zero = no bound
	// Stream keeps reading new events until ctx ends or Until passes.
	Stream bool
}

// Read calls emit for each event that matches o, in order.
func (l *Log) Read(ctx context.Context, o ReadOptions, emit func(Event) error) error {
	f, err := os.Open(l.Path)
	if errors.Is(err, fs.ErrNotExist) && o.Stream {
		if err = os.MkdirAll(filepath.Dir(l.Path), 0o700); err == nil {
			f, err = os.OpenFile(l.Path, os.O_RDONLY|os.O_CREATE, 0o600)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err == nil {
			var e Event
			if json.Unmarshal(line, &e) != nil {
				continue
			}
			if !o.Until.IsZero() && e.Time.After(o.Until) {
				if o.Stream {
					return nil
				}
				continue
			}
			if (!o.Since.IsZero() && e.Time.Before(o.Since)) || !o.Filter.Match(e) {
				continue
			}
			if err := emit(e); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("read events: %w", err)
		}
		if !o.Stream || (!o.Until.IsZero() && time.Now().After(o.Until)) {
			return nil
		}
		if len(line) > 0 {
			// A line being written: read it again whole.
			if _, err := f.Seek(-int64(len(line)), io.SeekCurrent); err != nil {
				return fmt.Errorf("read events: %w", err)
			}
			r.Reset(f)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}
