package events

import (
	"context"
	"testing"
	"time"
)

func TestWriteRead(t *testing.T) {
	l := &Log{Path: t.TempDir() + "/events/events.log"}
	t0 := time.Now().Add(-time.Minute)
	for i, st := range []string{"create", "init", "start", "died", "remove"} {
		if err := l.Write(Event{ID: "abc123", Name: "web", Image: "localhost:5000/busybox:latest", Status: st,
			Time: t0.Add(time.Duration(i) * time.Second), Attributes: map[string]string{"app": "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Write(Event{ID: "def456", Name: "db", Status: "create", Time: t0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		filters []string
		since   time.Time
		want    int
	}{
		{"all", nil, time.Time{}, 6},
		{"by container name", []string{"container=web"}, time.Time{}, 5},
		{"by ID prefix", []string{"container=def"}, time.Time{}, 1},
		{"by event", []string{"event=create"}, time.Time{}, 2},
		{"events or'ed", []string{"event=create", "event=died"}, time.Time{}, 3},
		{"keys and'ed", []string{"event=create", "container=web"}, time.Time{}, 1},
		{"label", []string{"label=app=x"}, time.Time{}, 5},
		{"since", nil, t0.Add(2500 * time.Millisecond), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFilters(tt.filters)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			if err := l.Read(context.Background(), ReadOptions{Filter: f, Since: tt.since}, func(Event) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Fatalf("%d events, want %d", n, tt.want)
			}
		})
	}
	if _, err := ParseFilters([]string{"colour=red"}); err == nil {
		t.Fatal("an unknown filter key was accepted")
	}
}

func TestString(t *testing.T) {
	e := Event{ID: "abc", Name: "web", Image: "img", Status: "start", Type: TypeContainer,
		Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Attributes: map[string]string{"b": "2", "a": "1"}}
	want := "2026-01-02 03:04:05.000000006 +0000 UTC container start abc (image=img, name=web, a=1, b=2)"
	if got := e.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}
