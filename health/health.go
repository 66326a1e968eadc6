package health

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/skiffproject/skiff/record"
)

// Statuses of a health check.
const (
	Starting  = "starting"
	Healthy   = "healthy"
	Unhealthy = "unhealthy"
)

// Defaults of Podman and Docker.
const (
	DefaultInterval = 30 * time.Second
	DefaultTimeout  = 30 * time.Second
	DefaultRetries  = 3
	// maxLog is how many results the state keeps; maxOutput how much of each run's output.
	maxLog    = 5
	maxOutput = 4096
)

// Config is a health check. Test is Docker's form: ["CMD", args...] or ["CMD-SHELL", command];
// ["NONE"] or an empty Test means none.
type Config struct {
	Test        []string      `json:"test"`
	Interval    time.Duration `json:"interval"`    // 0 = no scheduled runs (healthcheck run only)
	Timeout     time.Duration `json:"timeout"`     // of one run
	StartPeriod time.Duration `json:"startPeriod"` // failures in it do not count
	Retries     int           `json:"retries"`     // consecutive failures that make it unhealthy
}

// Enabled reports whether c defines a check.
func (c *Config) Enabled() bool {
	return c != nil && len(c.Test) > 0 && c.Test[0] != "NONE"
}

// Argv is the command a run executes in the container.
func (c *Config) Argv() []string {
	switch c.Test[0] {
	case "CMD-SHELL":
		return []string{"/bin/sh", "-c", strings.Join(c.Test[1:], " ")}
	case "CMD":
		return c.Test[1:]
	}
	return c.Test
}

// ErrInvalid classes a bad --health-* value.
var ErrInvalid = errors.New("invalid health check")

// ParseCommand turns --health-cmd into a Test: a JSON array is taken as it is (["CMD", …] or
// ["CMD-SHELL", …], or a bare argv), anything else runs through /bin/sh -c; "none" disables the check.
func ParseCommand(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, fmt.Errorf("--health-cmd: empty command: %w", ErrInvalid)
	case strings.EqualFold(s, "none"):
		return []string{"NONE"}, nil
	case strings.HasPrefix(s, "["):
		var argv []string
		if err := json.Unmarshal([]byte(s), &argv); err != nil || len(argv) == 0 {
			return nil, fmt.Errorf("--health-cmd %s: not a JSON array of strings: %w", s, ErrInvalid)
		}
		if argv[0] != "CMD" && argv[0] != "CMD-SHELL" && argv[0] != "NONE" {
			argv = append([]string{"CMD"}, argv...)
		}
		return argv, nil
	}
	return []string{"CMD-SHELL", s}, nil
}

// ParseDuration parses an --health-* duration; "disable" (interval only) gives 0.
func ParseDuration(flag, s string, allowDisable bool) (time.Duration, error) {
	if allowDisable && s == "disable" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q: want a duration such as 30s: %w", flag, s, ErrInvalid)
	}
	if d > 0 && d < time.Second && flag != "--health-start-period" {
		return 0, fmt.Errorf("%s %s: must be at least 1 second: %w", flag, s, ErrInvalid)
	}
	return d, nil
}

// Result is one run.
type Result struct {
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	ExitCode int       `json:"ExitCode"`
	Output   string    `json:"Output"`
}

// State is what the runs add up to; inspect shows it as .State.Health.
type State struct {
	Status        string   `json:"Status"`
	FailingStreak int      `json:"FailingStreak"`
	Log           []Result `json:"Log"`
}

// Add records r, run started since the container started, and returns the new state. A failure
// within the start period does not count unless the container has been healthy; Retries
// consecutive failures make it unhealthy; a success makes it healthy.
func (s State) Add(c *Config, r Result, started time.Time) State {
	if s.Status == "" {
		s.Status = Starting
	}
	if len(r.Output) > maxOutput {
		r.Output = r.Output[:maxOutput]
	}
	s.Log = append(s.Log, r)
	if len(s.Log) > maxLog {
		s.Log = s.Log[len(s.Log)-maxLog:]
	}
	if r.ExitCode == 0 {
		s.Status, s.FailingStreak = Healthy, 0
		return s
	}
	if s.Status == Starting && c.StartPeriod > 0 && r.Start.Sub(started) < c.StartPeriod {
		return s
	}
	s.FailingStreak++
	retries := c.Retries
	if retries <= 0 {
		retries = DefaultRetries
	}
	if s.FailingStreak >= retries {
		s.Status = Unhealthy
	}
	return s
}

// Read reads the state in file path; a missing file is the state before any run.
func Read(path string) (State, error) {
	var s State
	err := record.ReadJSON(path, &s)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("read health state: %w", err)
	}
	return s, nil
}

// Update changes the state in path with f, under a lock of its own so concurrent runs never lose one.
func Update(path string, f func(State) State) (State, error) {
	l, err := record.Acquire(path + ".lock")
	if err != nil {
		return State{}, fmt.Errorf("lock health state: %w", err)
	}
	defer l.Unlock()
	s, err := Read(path)
	if err != nil {
		return s, err
	}
	s = f(s)
	if err := record.WriteJSON(path, s, 0o600); err != nil {
		return s, fmt.Errorf("write health state: %w", err)
	}
	return s, nil
}
