package health

import (
	"testing"
	"time"
)

func TestAdd(t *testing.T) {
	t0 := time.Now()
	c := &Config{Retries: 3, StartPeriod: 10 * time.Second}
	fail := func(at time.Duration) Result { return Result{Start: t0.Add(at), ExitCode: 1} }
	ok := func(at time.Duration) Result { return Result{Start: t0.Add(at)} }
	tests := []struct {
		name    string
		results []Result
		status  string
		streak  int
	}{
		{"no run", nil, "", 0},
		{"failures in the start period", []Result{fail(1 * time.Second), fail(2 * time.Second), fail(3 * time.Second)}, Starting, 0},
		{"two failures", []Result{fail(11 * time.Second), fail(12 * time.Second)}, Starting, 2},
		{"three failures", []Result{fail(11 * time.Second), fail(12 * time.Second), fail(13 * time.Second)}, Unhealthy, 3},
		{"success", []Result{fail(11 * time.Second), ok(12 * time.Second)}, Healthy, 0},
		{"healthy then failing", []Result{ok(1 * time.Second), fail(2 * time.Second), fail(3 * time.Second), fail(4 * time.Second)}, Unhealthy, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s State
			for _, r := range tt.results {
				s = s.Add(c, r, t0)
			}
			if s.Status != tt.status || s.FailingStreak != tt.streak {
				t.Fatalf("state %q streak %d, want %q %d", s.Status, s.FailingStreak, tt.status, tt.streak)
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	tests := map[string][]string{
		"curl -f http://localhost": {"CMD-SHELL", "curl -f http://localhost"},
		`["CMD", "true"]`:          {"CMD", "true"},
		`["/bin/true"]`:            {"CMD", "/bin/true"},
		"none":                     {"NONE"},
	}
	for in, want := range tests {
		got, err := ParseCommand(in)
		if err != nil || len(got) != len(want) {
			t.Fatalf("ParseCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("ParseCommand(%q) = %q; want %q", in, got, want)
			}
		}
	}
	if _, err := ParseCommand(`["CMD"`); err == nil {
		t.Fatal("a broken JSON array was accepted")
	}
}
