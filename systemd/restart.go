package systemd

import (
	"fmt"
	"strconv"
	"strings"
)

// Restart policy names of `run --restart`, as Docker and Podman name them.
const (
	RestartNo            = "no"
	RestartOnFailure     = "on-failure"
	RestartAlways        = "always"
	RestartUnlessStopped = "unless-stopped"
)

// RestartPolicy is a parsed `--restart` value.
type RestartPolicy struct {
	// Name is one of the Restart* constants.
	Name string
	// MaxRetries bounds the restarts of RestartOnFailure; 0 means no bound.
	MaxRetries uint
}

// ParseRestartPolicy parses `--restart`: no, on-failure[:N], always or unless-stopped. "" is no.
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	switch name {
	case "", RestartNo, RestartAlways, RestartUnlessStopped:
		if hasCount {
			return RestartPolicy{}, fmt.Errorf("invalid restart policy %q: a retry count is only allowed with on-failure", s)
		}
		if name == "" {
			name = RestartNo
		}
		return RestartPolicy{Name: name}, nil
	case RestartOnFailure:
		p := RestartPolicy{Name: name}
		if hasCount {
			n, err := strconv.ParseUint(count, 10, 31)
			if err != nil {
				return RestartPolicy{}, fmt.Errorf("invalid restart policy %q: the retry count must be a number from 0", s)
			}
			p.MaxRetries = uint(n)
		}
		return p, nil
	}
	return RestartPolicy{}, fmt.Errorf("invalid restart policy %q: want no, on-failure[:N], always or unless-stopped", s)
}

// String returns the policy as `--restart` takes it.
func (p RestartPolicy) String() string {
	if p.Name == "" {
		return RestartNo
	}
	if p.Name == RestartOnFailure && p.MaxRetries > 0 {
		return fmt.Sprintf("%s:%d", p.Name, p.MaxRetries)
	}
	return p.Name
}

// ShouldRestart reports whether the monitor restarts a container under this policy after its main process
// exited with exitCode. restarts is how often the container was restarted since the user last started it;
// stoppedByUser is true when the exit follows `skiff stop`, `kill` or `rm -f`, which no policy undoes.
func (p RestartPolicy) ShouldRestart(exitCode int, restarts uint, stoppedByUser bool) bool {
	if stoppedByUser {
		return false
	}
	switch p.Name {
	case RestartAlways, RestartUnlessStopped:
		return true
	case RestartOnFailure:
		return exitCode != 0 && (p.MaxRetries == 0 || restarts < p.MaxRetries)
	}
	return false
}

// Systemd returns the unit settings that give the policy's effect when systemd restarts a container's unit
// (`generate systemd --new`): the value of Restart= and of StartLimitBurst= ("" when not needed). Podman
// maps the policy the same way: unless-stopped is always, on-failure:N limits the bursts to N.
func (p RestartPolicy) Systemd() (restart, startLimitBurst string) {
	switch p.Name {
	case RestartAlways, RestartUnlessStopped:
		return RestartAlways, ""
	case RestartOnFailure:
		if p.MaxRetries > 0 {
			return RestartOnFailure, strconv.FormatUint(uint64(p.MaxRetries), 10)
		}
		return RestartOnFailure, ""
	}
	return RestartNo, ""
}

// UnitRestartValues are the values systemd accepts for Restart=, which `generate systemd --restart-policy`
// takes.
var UnitRestartValues = []string{"no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"}

// ValidUnitRestart checks a value for Restart=.
func ValidUnitRestart(s string) error {
	for _, v := range UnitRestartValues {
		if s == v {
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid restart policy: want one of %s", s, strings.Join(UnitRestartValues, ", "))
}
