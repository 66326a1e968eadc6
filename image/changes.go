package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrBadChange reports a --change instruction that cannot be applied.
var ErrBadChange = errors.New("invalid --change")

// Change is one Dockerfile instruction given with --change to commit or import.
type Change struct {
	Instruction string // upper case: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR
	Value       string
}

// ParseChanges parses --change values, "INSTRUCTION VALUE" or "INSTRUCTION=VALUE" as Podman accepts
// them, and checks each one completely so that a bad one fails before anything is stored.
func ParseChanges(specs []string) ([]Change, error) {
	var out []Change
	for _, s := range specs {
		s = strings.TrimSpace(s)
		i := strings.IndexAny(s, " \t=")
		if i <= 0 || strings.TrimSpace(s[i+1:]) == "" {
			return nil, fmt.Errorf("%w %q: want INSTRUCTION VALUE or INSTRUCTION=VALUE, e.g. --change 'CMD [\"/bin/sh\"]'", ErrBadChange, s)
		}
		ch := Change{Instruction: strings.ToUpper(s[:i]), Value: strings.TrimSpace(s[i+1:])}
		if err := ch.apply(&ociv1.ImageConfig{}); err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// ApplyChanges applies changes to cfg in order.
func ApplyChanges(cfg *ociv1.ImageConfig, changes []Change) error {
	for _, ch := range changes {
		if err := ch.apply(cfg); err != nil {
			return err
		}
	}
	return nil
}

func (ch Change) apply(cfg *ociv1.ImageConfig) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrBadChange, ch.Instruction+" "+ch.Value, why)
	}
	v := ch.Value
	switch ch.Instruction {
	case "CMD":
		cfg.Cmd = commandForm(v)
	case "ENTRYPOINT":
		cfg.Entrypoint = commandForm(v)
	case "ENV":
		pairs, err := keyValues(v)
		if err != nil {
			return bad(err.Error())
		}
		for _, kv := range pairs {
			cfg.Env = setEnv(cfg.Env, kv[0], kv[1])
		}
	case "LABEL":
		pairs, err := keyValues(v)
		if err != nil {
			return bad(err.Error())
		}
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range pairs {
			cfg.Labels[kv[0]] = kv[1]
		}
	case "EXPOSE":
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range strings.Fields(v) {
			port, proto, found := strings.Cut(p, "/")
			if !found {
				proto = "tcp"
			}
			n, err := strconv.ParseUint(port, 10, 16)
			if err != nil || n == 0 || (proto != "tcp" && proto != "udp" && proto != "sctp") {
				return bad("want PORT[/tcp|udp|sctp], e.g. EXPOSE 8080/tcp")
			}
			cfg.ExposedPorts[port+"/"+strings.ToLower(proto)] = struct{}{}
		}
	case "STOPSIGNAL":
		cfg.StopSignal = v
	case "USER":
		cfg.User = v
	case "VOLUME":
		var vols []string
		if err := json.Unmarshal([]byte(v), &vols); err != nil {
			vols = strings.Fields(v)
		}
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for _, vol := range vols {
			if !path.IsAbs(vol) {
				return bad("a volume must be an absolute path")
			}
			cfg.Volumes[vol] = struct{}{}
		}
	case "WORKDIR":
		if path.IsAbs(v) {
			cfg.WorkingDir = path.Clean(v)
		} else {
			cfg.WorkingDir = path.Join("/", cfg.WorkingDir, v)
		}
	case "ONBUILD":
		return bad("ONBUILD needs a Docker-format image built by skiff build; commit and import cannot set it")
	default:
		return bad("unknown instruction: want one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR")
	}
	return nil
}

// commandForm is a JSON array as given, else the shell form /bin/sh -c VALUE.
func commandForm(v string) []string {
	var args []string
	if strings.HasPrefix(v, "[") && json.Unmarshal([]byte(v), &args) == nil {
		return args
	}
	return []string{"/bin/sh", "-c", v}
}

// keyValues parses ENV and LABEL values: "K V" (one pair) or K=V pairs, values optionally quoted.
func keyValues(v string) ([][2]string, error) {
	first := strings.IndexAny(v, " \t=")
	if first > 0 && v[first] != '=' {
		return [][2]string{{v[:first], unquote(strings.TrimSpace(v[first+1:]))}}, nil
	}
	var out [][2]string
	for _, f := range splitQuoted(v) {
		k, val, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("want KEY=VALUE, got %q", f)
		}
		out = append(out, [2]string{unquote(k), unquote(val)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("want KEY=VALUE")
	}
	return out, nil
}

// splitQuoted splits on blanks outside double or single quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
		case r == ' ' || r == '\t':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// setEnv sets key in a KEY=VALUE list, replacing an earlier value.
func setEnv(env []string, key, value string) []string {
	for i, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}
