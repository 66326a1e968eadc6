package mountflag

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
)

// parseMount parses --mount in Docker's grammar: comma-separated KEY[=VALUE] fields read as one CSV
// record, so a field holding commas is quoted as a whole ("volume-opt=o=size=10m,uid=1000"). The type
// defaults to volume, as in Docker.
//
// Long on purpose: one case per --mount key with its checks; splitting would scatter the table.
func parseMount(v string) (Spec, error) {
	origin := fmt.Sprintf("--mount %q", v)
	r := csv.NewReader(strings.NewReader(v))
	fields, err := r.Read()
	if err != nil {
		return Spec{}, invalidf("%s: %v: quote a field that holds commas as a whole, e.g. \"volume-opt=o=size=10m,uid=1000\"",
			origin, csvReason(err))
	}
	typ := TypeVolume
	for _, f := range fields {
		if k, val, _ := strings.Cut(f, "="); strings.TrimSpace(k) == "type" {
			typ = val
		}
	}
	switch typ {
	case TypeBind, TypeVolume, TypeTmpfs:
	default:
		return Spec{}, invalidf("%s: unknown type %q: use type=bind, type=volume or type=tmpfs", origin, typ)
	}
	s := Spec{Type: typ, Origin: origin}
	var opts []string
	var src, dest string
	var srcSet, destSet, rwSet bool
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		key, value, hasValue := strings.Cut(f, "=")
		need := func(kinds ...string) error {
			for _, k := range kinds {
				if k == typ {
					return nil
				}
			}
			return invalidf("%s: %q applies only to type=%s", origin, key, strings.Join(kinds, " or type="))
		}
		withValue := func() error {
			if !hasValue || value == "" {
				return invalidf("%s: %q needs a value: %s=VALUE", origin, key, key)
			}
			return nil
		}
		flag := func() (bool, error) {
			if !hasValue {
				return true, nil
			}
			switch strings.ToLower(value) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
			return false, invalidf("%s: %q: want %s, %s=true or %s=false", origin, f, key, key, key)
		}
		var err error
		switch key {
		case "type":
		case "src", "source":
			if srcSet {
				return Spec{}, invalidf("%s: the source is given twice", origin)
			}
			if err = need(TypeBind, TypeVolume); err == nil {
				err = withValue()
			}
			src, srcSet = value, true
		case "dst", "destination", "target":
			if destSet {
				return Spec{}, invalidf("%s: the destination is given twice", origin)
			}
			if err = withValue(); err == nil {
				dest, destSet = value, true
			}
		case "readonly", "ro", "rw":
			if rwSet {
				return Spec{}, invalidf("%s: give readonly, ro or rw once", origin)
			}
			rwSet = true
			var on bool
			if on, err = flag(); err == nil {
				ro := (key != "rw") == on
				opts = append(opts, map[bool]string{true: "ro", false: "rw"}[ro])
			}
		case "bind-propagation":
			if err = need(TypeBind); err == nil {
				if err = withValue(); err == nil {
					switch value {
					case "private", "rprivate", "slave", "rslave", "shared", "rshared":
						opts = append(opts, value)
					default:
						err = invalidf("%s: bind-propagation %q: use private, rprivate, slave, rslave, shared or rshared", origin, value)
					}
				}
			}
		case "bind-nonrecursive":
			var on bool
			if err = need(TypeBind); err == nil {
				if on, err = flag(); err == nil && on {
					opts = append(opts, "bind")
				}
			}
		case "volume-nocopy":
			var on bool
			if err = need(TypeVolume); err == nil {
				if on, err = flag(); err == nil && on {
					opts = append(opts, "nocopy")
				}
			}
		case "volume-driver":
			if err = need(TypeVolume); err == nil && value != "local" {
				err = invalidf("%s: volume driver %q: skiff has only the local driver", origin, value)
			}
		case "volume-opt", "volume-label":
			if err = need(TypeVolume); err != nil {
				break
			}
			k, val, ok := strings.Cut(value, "=")
			if !ok || k == "" {
				err = invalidf("%s: %q: want %s=KEY=VALUE", origin, f, key)
				break
			}
			m := &s.VolumeOptions
			if key == "volume-label" {
				m = &s.VolumeLabels
			}
			if *m == nil {
				*m = map[string]string{}
			}
			(*m)[k] = val
		case "tmpfs-size":
			if err = need(TypeTmpfs); err == nil {
				if !hasValue || !validSize(value) || strings.HasSuffix(value, "%") {
					err = invalidf("%s: %q: want tmpfs-size=BYTES with an optional k, m or g suffix (tmpfs-size=64m)", origin, f)
				} else {
					opts = append(opts, "size="+value)
				}
			}
		case "tmpfs-mode":
			if err = need(TypeTmpfs); err == nil {
				if !validMode(value) {
					err = invalidf("%s: %q: want an octal mode such as tmpfs-mode=1777", origin, f)
				} else {
					opts = append(opts, "mode="+value)
				}
			}
		case "consistency":
			// A macOS option Docker ignores on Linux; so does Podman.
		case "relabel":
			if value != "private" && value != "shared" {
				err = invalidf("%s: relabel %q: use relabel=private or relabel=shared", origin, value)
			}
		case "U", "chown":
			var on bool
			if on, err = flag(); err == nil && on {
				opts = append(opts, "U")
			}
		case "tmpcopyup", "notmpcopyup", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "z", "Z",
			"private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable":
			if hasValue {
				err = invalidf("%s: %q takes no value", origin, key)
			}
			opts = append(opts, key)
		default:
			err = invalidf("%s: unknown key %q: use type, source, target, readonly, bind-propagation, bind-nonrecursive, volume-nocopy, volume-opt, volume-label, tmpfs-size, tmpfs-mode or U",
				origin, key)
		}
		if err != nil {
			return Spec{}, err
		}
	}
	if !destSet {
		return Spec{}, invalidf("%s: no target: add target=/PATH (or dst=, destination=)", origin)
	}
	if s.Destination, err = checkDestination(origin, dest); err != nil {
		return Spec{}, err
	}
	switch typ {
	case TypeBind:
		if !srcSet {
			src = s.Destination // Podman's default: the same path on the host
		}
		if s.Source, err = hostPath(origin, src); err != nil {
			return Spec{}, err
		}
	case TypeVolume:
		if src == "" {
			s.Anonymous = true
		} else if err := ValidateVolumeName(src); err != nil {
			return Spec{}, fmt.Errorf("%s: %w (for a host path use type=bind)", origin, err)
		} else {
			s.Source = src
		}
	}
	if err := s.setOptions(opts); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// csvReason shortens a csv.ParseError to its cause.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
