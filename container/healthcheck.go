package container

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/skiffproject/skiff/health"
	"github.com/skiffproject/skiff/runtime/oci"
)

// HealthOptions are the --health-* flags; a zero field keeps the image's value (or the default).
type HealthOptions struct {
	Test        []string // from --health-cmd (health.ParseCommand)
	Interval    *time.Duration
	Timeout     *time.Duration
	StartPeriod *time.Duration
	Retries     *int
	Disable     bool // --no-healthcheck
}

// IsZero reports whether no --health-* flag was given.
func (h HealthOptions) IsZero() bool {
	return h.Test == nil && h.Interval == nil && h.Timeout == nil && h.StartPeriod == nil && h.Retries == nil && !h.Disable
}

// ErrNoHealthcheck: the container defines no health check.
var ErrNoHealthcheck = errors.New("has no defined healthcheck")

// healthConfig merges the --health-* flags over the image's HEALTHCHECK (c, nil for none).
func healthConfig(c *health.Config, o HealthOptions) (*health.Config, error) {
	if o.Disable {
		if o.Test != nil {
			return nil, errors.New("--no-healthcheck and --health-cmd cannot be combined")
		}
		return nil, nil
	}
	if o.Test != nil {
		if c == nil {
			c = &health.Config{}
		}
		c.Test = o.Test
	}
	if !c.Enabled() {
		if !o.IsZero() && o.Test == nil {
			return nil, errors.New("--health-interval, --health-retries, --health-start-period and --health-timeout need a health check: give --health-cmd (the image has no HEALTHCHECK)")
		}
		return nil, nil
	}
	if c.Interval == 0 && o.Interval == nil {
		c.Interval = health.DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = health.DefaultTimeout
	}
	if c.Retries == 0 {
		c.Retries = health.DefaultRetries
	}
	if o.Interval != nil {
		c.Interval = *o.Interval
	}
	if o.Timeout != nil {
		c.Timeout = *o.Timeout
	}
	if o.StartPeriod != nil {
		c.StartPeriod = *o.StartPeriod
	}
	if o.Retries != nil {
		if *o.Retries < 1 {
			return nil, fmt.Errorf("--health-retries %d: want at least 1", *o.Retries)
		}
		c.Retries = *o.Retries
	}
	return c, nil
}

// parseImageHealthcheck picks config.Healthcheck out of a Docker image config.
func parseImageHealthcheck(blob []byte) *health.Config {
	var doc struct {
		Config struct {
			Healthcheck *struct {
				Test        []string
				Interval    time.Duration
				Timeout     time.Duration
				StartPeriod time.Duration
				Retries     int
			}
		} `json:"config"`
	}
	if json.Unmarshal(blob, &doc) != nil || doc.Config.Healthcheck == nil || len(doc.Config.Healthcheck.Test) == 0 {
		return nil
	}
	h := doc.Config.Healthcheck
	return &health.Config{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
}

func (e *Engine) healthPath(id string) string { return filepath.Join(e.dir(id), "healthcheck.json") }

// HealthState returns the health of c ("" status when it has no check).
func (e *Engine) HealthState(c *Container) health.State {
	if !c.Config.Health.Enabled() {
		return health.State{}
	}
	s, _ := health.Read(e.healthPath(c.ID))
	if s.Status == "" {
		s.Status = health.Starting
	}
	if s.Log == nil {
		s.Log = []health.Result{}
	}
	return s
}

// HealthCheck runs the health check of a running container once and records the result; it returns
// this run's result as Podman's healthcheck run does: healthy, or unhealthy for a failed run (the
// container's own status may still be starting, see health.State.Add).
func (e *Engine) HealthCheck(ctx context.Context, nameOrID string) (string, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return "", fmt.Errorf("unable to look up %s to perform a health check: %w", nameOrID, err)
	}
	cfg := c.Config.Health
	if !cfg.Enabled() {
		return "", fmt.Errorf("container %s %w", c.ID, ErrNoHealthcheck)
	}
	// Created with a token: a start is under way (the monitor's first run comes right after the
	// runtime's start, maybe before skiff recorded it).
	if c.State.Status != StatusRunning && (c.State.Status != StatusCreated || c.State.Token == "") {
		return "", fmt.Errorf("container %s is not running: %w", c.ID, ErrNotRunning)
	}
	started := c.State.StartedAt
	if started.IsZero() {
		started = time.Now()
	}
	var out bytes.Buffer
	r := health.Result{Start: time.Now()}
	rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	code, err := e.Exec(rctx, c.ID, ExecOptions{Cmd: cfg.Argv(), Streams: Streams{Out: &out, Err: &out}})
	cancel()
	r.End = time.Now()
	switch {
	case rctx.Err() == context.DeadlineExceeded:
		r.ExitCode = 1
		out.WriteString(fmt.Sprintf("healthcheck command exceeded timeout of %s", cfg.Timeout))
	case errors.Is(err, oci.ErrCommandNotFound):
		r.ExitCode = 127
		out.WriteString(err.Error())
	case errors.Is(err, oci.ErrCannotInvoke):
		r.ExitCode = 126
		out.WriteString(err.Error())
	case err != nil:
		return "", err
	default:
		r.ExitCode = code
	}
	r.Output = out.String()
	if _, err := health.Update(e.healthPath(c.ID), func(s health.State) health.State {
		return s.Add(cfg, r, started)
	}); err != nil {
		return "", fmt.Errorf("healthcheck of container %s: %w", c.Name(), err)
	}
	if r.ExitCode != 0 {
		return health.Unhealthy, nil
	}
	return health.Healthy, nil
}

// resetHealth clears the results of an earlier run at a start: the check starts over.
func (e *Engine) resetHealth(c *Container) {
	if c.Config.Health.Enabled() {
		_ = os.Remove(e.healthPath(c.ID))
	}
}

// healthCommand is what the monitor runs every interval: skiff healthcheck run ID.
func (e *Engine) healthCommand(c *Container) ([]string, time.Duration) {
	h := c.Config.Health
	if !h.Enabled() || h.Interval <= 0 {
		return nil, 0
	}
	exe := e.opts.Executable
	if exe == "" {
		exe = "/proc/self/exe"
	}
	args := append([]string{exe}, e.opts.GlobalArgs...)
	return append(args, "healthcheck", "run", c.ID), h.Interval
}
