package container

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ParseEnv merges --env-file files and then -e values into NAME=VALUE pairs, as Podman does: a line or
// value "NAME" without "=" takes NAME from lookup (the caller's environment) and is dropped when it is
// unset there; blank lines and lines starting with "#" in a file are skipped.
func ParseEnv(values, files []string, lookup func(string) (string, bool)) ([]string, error) {
	var env []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("--env-file %s: no such file", f)
			}
			return nil, fmt.Errorf("--env-file %s: %w", f, err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimLeft(sc.Text(), " \t")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			kv, ok, err := envPair(line, lookup)
			if err != nil {
				return nil, fmt.Errorf("--env-file %s line %d: %w", f, n, err)
			}
			if ok {
				env = append(env, kv)
			}
		}
	}
	for _, v := range values {
		kv, ok, err := envPair(v, lookup)
		if err != nil {
			return nil, fmt.Errorf("-e %q: %w", v, err)
		}
		if ok {
			env = append(env, kv)
		}
	}
	return env, nil
}

func envPair(s string, lookup func(string) (string, bool)) (string, bool, error) {
	name, value, hasValue := strings.Cut(s, "=")
	if name == "" {
		return "", false, errors.New("empty variable name: want NAME=VALUE")
	}
	if strings.ContainsAny(name, " \t\x00") {
		return "", false, fmt.Errorf("variable name %q contains whitespace: want NAME=VALUE", name)
	}
	if hasValue {
		return name + "=" + value, true, nil
	}
	if v, ok := lookup(name); ok {
		return name + "=" + v, true, nil
	}
	return "", false, nil
}

// MergeEnv overlays env onto base: a later NAME replaces an earlier one in place.
func MergeEnv(base, env []string) []string {
	out := append([]string{}, base...)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, o := range out {
			if n, _, _ := strings.Cut(o, "="); n == name {
				out[i], replaced = kv, true
				break
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// ParseLabels turns -l KEY[=VALUE] values into a map.
func ParseLabels(values []string) (map[string]string, error) {
	m := map[string]string{}
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		if k == "" {
			return nil, fmt.Errorf("-l %q: empty label name: want KEY=VALUE", v)
		}
		m[k] = val
	}
	return m, nil
}

// ParseSignal parses a signal given by name (TERM, SIGTERM, any case) or number.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("signal %d: out of range 1-64", n)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	// Real-time signals as glibc numbers them: SIGRTMIN is 34 (the kernel's 32 and 33 are libc's).
	if rest, ok := strings.CutPrefix(name, "SIGRTMIN"); ok {
		n := 0
		if rest != "" {
			var err error
			if n, err = strconv.Atoi(strings.TrimPrefix(rest, "+")); err != nil || !strings.HasPrefix(rest, "+") {
				return 0, fmt.Errorf("invalid signal %q: want SIGRTMIN+N", s)
			}
		}
		if 34+n > 64 {
			return 0, fmt.Errorf("signal %q: out of range 1-64", s)
		}
		return unix.Signal(34 + n), nil
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("invalid signal %q: want a name such as SIGTERM or a number", s)
}

// SignalName returns the SIGNAME of sig ("SIGTERM"), or its number.
func SignalName(sig unix.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	return strconv.Itoa(int(sig))
}

// PullPolicy says when create pulls the image; "" is PullMissing.
type PullPolicy string

// Pull policies of --pull.
const (
	PullAlways  PullPolicy = "always"
	PullMissing PullPolicy = "missing"
	PullNever   PullPolicy = "never"
	PullNewer   PullPolicy = "newer"
)

// ParsePullPolicy parses a --pull value; "" means missing.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch PullPolicy(strings.ToLower(s)) {
	case "", PullMissing:
		return PullMissing, nil
	case PullAlways, "true":
		return PullAlways, nil
	case PullNever, "false":
		return PullNever, nil
	case PullNewer:
		return PullNewer, nil
	}
	return "", fmt.Errorf("--pull %q: want always, missing, never or newer", s)
}

// DefaultLogDriver is the log driver of a container created without --log-driver.
const DefaultLogDriver = "k8s-file"

// ParseLogDriver checks a --log-driver value; "" means k8s-file, and Docker's json-file is stored as
// k8s-file, as Podman does.
func ParseLogDriver(s string) (string, error) {
	switch s {
	case "", DefaultLogDriver, "json-file":
		return DefaultLogDriver, nil
	case "none", "journald":
		return s, nil
	}
	return "", fmt.Errorf("--log-driver %q: want k8s-file, json-file, journald or none", s)
}

// DetachKeys parses --detach-keys ("ctrl-p,ctrl-q"; "" disables detaching) into the byte sequence.
func DetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(strings.ToLower(k), "ctrl-") && len(k) == 6:
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				out = append(out, c-'a'+1)
			case c >= 'A' && c <= 'Z':
				out = append(out, c-'A'+1)
			case c == '@':
				out = append(out, 0)
			case c >= '[' && c <= '_':
				out = append(out, c-'['+27)
			default:
				return nil, fmt.Errorf("--detach-keys %q: unknown key %q", s, k)
			}
		default:
			return nil, fmt.Errorf("--detach-keys %q: unknown key %q: want a letter or ctrl-LETTER, comma separated", s, k)
		}
	}
	return out, nil
}

// DefaultDetachKeys is Docker's and Podman's detach sequence.
const DefaultDetachKeys = "ctrl-p,ctrl-q"

// ParseTime parses a --since/--until value: RFC 3339 (with or without nanoseconds or a zone), a date,
// Unix seconds (with an optional fraction), or a duration before now ("10m", "1h30m").
func ParseTime(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if sec, frac, ok := strings.Cut(s, "."); ok || sec != "" {
		n, err := strconv.ParseInt(sec, 10, 64)
		if err == nil {
			var ns int64
			if frac != "" {
				f, err := strconv.ParseFloat("0."+frac, 64)
				if err != nil {
					return time.Time{}, fmt.Errorf("time %q: bad fraction", s)
				}
				ns = int64(f * 1e9)
			}
			return time.Unix(n, ns), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-01-02T15:04:05Z), Unix seconds or a duration (10m)", s)
}
