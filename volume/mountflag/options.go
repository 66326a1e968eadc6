package mountflag

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// parseVolume parses -v SOURCE:DEST[:OPTIONS] and -v DEST (an anonymous volume).
func parseVolume(v string) (Spec, error) {
	origin := fmt.Sprintf("-v %q", v)
	parts := strings.Split(v, ":")
	var src, dest, opts string
	switch len(parts) {
	case 1:
		dest = parts[0]
	case 2:
		src, dest = parts[0], parts[1]
		if src != "" && !strings.HasPrefix(dest, "/") && strings.HasPrefix(src, "/") {
			return Spec{}, invalidf("%s: an anonymous volume takes no options: use --mount type=volume,dst=%s,%s or -v NAME:%s:%s",
				origin, src, dest, src, dest)
		}
	case 3:
		src, dest, opts = parts[0], parts[1], parts[2]
	default:
		return Spec{}, invalidf("%s: too many colons: use -v SOURCE:DEST[:OPTIONS]", origin)
	}
	if len(parts) > 1 && src == "" {
		return Spec{}, invalidf("%s: nothing before the colon: give a volume name or a host path (-v NAME:%s), or -v %s for an anonymous volume",
			origin, dest, dest)
	}
	dest, err := checkDestination(origin, dest)
	if err != nil {
		return Spec{}, err
	}
	s := Spec{Type: TypeVolume, Destination: dest, Origin: origin}
	switch {
	case src == "":
		s.Anonymous = true
	case strings.HasPrefix(src, "/") || strings.HasPrefix(src, "."):
		s.Type = TypeBind
		if s.Source, err = hostPath(origin, src); err != nil {
			return Spec{}, err
		}
	default:
		if err := ValidateVolumeName(src); err != nil {
			return Spec{}, fmt.Errorf("%s: %w (host paths start with / or .)", origin, err)
		}
		s.Source = src
	}
	var list []string
	if opts != "" {
		list = strings.Split(opts, ",")
	}
	if err := s.setOptions(list); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// parseTmpfs parses --tmpfs DEST[:OPTIONS].
func parseTmpfs(v string) (Spec, error) {
	origin := fmt.Sprintf("--tmpfs %q", v)
	dest, opts, _ := strings.Cut(v, ":")
	if dest != "" && !strings.HasPrefix(dest, "/") {
		return Spec{}, invalidf("%s: container path %q is not absolute: use --tmpfs /%s", origin, dest, strings.TrimPrefix(v, "./"))
	}
	dest, err := checkDestination(origin, dest)
	if err != nil {
		return Spec{}, err
	}
	s := Spec{Type: TypeTmpfs, Destination: dest, Origin: origin}
	var list []string
	if opts != "" {
		list = strings.Split(opts, ",")
	}
	if err := s.setOptions(list); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// hostPath makes a bind mount's source absolute and checks that it exists: skiff, like Podman, does
// not create missing sources.
func hostPath(origin, src string) (string, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", invalidf("%s: host path %s: %v", origin, src, err)
	}
	if _, err := os.Stat(abs); err != nil {
		if os.IsNotExist(err) {
			return "", invalidf("%s: host path %s does not exist: create it first, or give a volume name (no leading / or .)", origin, abs)
		}
		return "", invalidf("%s: host path %s: %v", origin, abs, err)
	}
	return abs, nil
}

// setOptions checks the options of -v and --tmpfs (Podman's ProcessOptions rules: each kind of option
// once, tmpfs-only options only on a tmpfs) and completes them with the defaults: rw, a recursive bind
// and private propagation for binds and volumes; noexec, nosuid, nodev and tmpcopyup for a tmpfs.
// The flags a host mount locks (nosuid, nodev, noexec) are added when the container starts.
func (s *Spec) setOptions(opts []string) error {
	tmpfs := s.Type == TypeTmpfs
	seen := map[string]string{} // kind -> the option that set it
	once := func(kind, opt string) error {
		if prev, ok := seen[kind]; ok {
			if prev == opt {
				return invalidf("%s: option %q given twice", s.Origin, opt)
			}
			return invalidf("%s: options %q and %q conflict: give one", s.Origin, prev, opt)
		}
		seen[kind] = opt
		return nil
	}
	onlyTmpfs := func(opt string) error {
		if !tmpfs {
			return invalidf("%s: option %q applies only to a tmpfs (--tmpfs or --mount type=tmpfs)", s.Origin, opt)
		}
		return nil
	}
	var out []string
	recursive := true
	for _, opt := range opts {
		key, value, hasValue := strings.Cut(opt, "=")
		var err error
		switch key {
		case "ro", "rw":
			err = once("rw", opt)
		case "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable":
			err = once("propagation", opt)
		case "exec", "noexec":
			err = once("exec", opt)
		case "suid", "nosuid":
			err = once("suid", opt)
		case "dev", "nodev":
			err = once("dev", opt)
		case "bind", "rbind":
			if tmpfs {
				return invalidf("%s: option %q does not apply to a tmpfs", s.Origin, opt)
			}
			recursive = key == "rbind"
			err = once("bind", opt)
		case "z", "Z":
			// SELinux relabelling: accepted and ignored, there is no SELinux here.
			if err := once("label", opt); err != nil {
				return err
			}
			continue
		case "U":
			if err := once("U", opt); err != nil {
				return err
			}
			s.Chown = true
			continue
		case "copy", "nocopy":
			if err := once("copy", opt); err != nil {
				return err
			}
			s.NoCopy = key == "nocopy"
			continue
		case "size":
			if err = onlyTmpfs(opt); err == nil {
				if err = once("size", opt); err == nil && (!hasValue || !validSize(value)) {
					err = invalidf("%s: %q: want size=BYTES with an optional k, m or g suffix, or a percentage (size=64m)", s.Origin, opt)
				}
			}
		case "mode":
			if err = onlyTmpfs(opt); err == nil {
				if err = once("mode", opt); err == nil && !validMode(value) {
					err = invalidf("%s: %q: want an octal mode such as mode=1777", s.Origin, opt)
				}
			}
		case "tmpcopyup", "notmpcopyup":
			if err = onlyTmpfs(opt); err == nil {
				err = once("tmpcopyup", opt)
			}
			if key == "notmpcopyup" && err == nil {
				continue // not an OCI option
			}
		case "noatime":
			err = onlyTmpfs(opt)
		case "O":
			return invalidf("%s: overlay volumes (O) are not supported: mount the directory read-only (ro) or read-write", s.Origin)
		case "idmap":
			return invalidf("%s: idmap mounts are not supported: use U to chown the source to the container's user", s.Origin)
		default:
			return invalidf("%s: unknown option %q: use ro, rw, z, Z, U, nocopy, bind, rbind, a propagation mode, [no]exec, [no]suid or [no]dev", s.Origin, opt)
		}
		if err != nil {
			return err
		}
		out = append(out, opt)
	}
	s.Options = withDefaults(out, seen, recursive, tmpfs)
	return nil
}

// withDefaults completes the options out a user gave with the defaults of the kinds of option seen has
// none of; recursive is false after "bind".
func withDefaults(out []string, seen map[string]string, recursive, tmpfs bool) []string {
	user := len(out)
	if _, ok := seen["rw"]; !ok {
		out = append(out, "rw")
	}
	if _, ok := seen["propagation"]; !ok {
		if recursive {
			out = append(out, "rprivate")
		} else {
			out = append(out, "private")
		}
	}
	if tmpfs {
		for kind, def := range map[string]string{"exec": "noexec", "suid": "nosuid", "dev": "nodev"} {
			if _, ok := seen[kind]; !ok {
				out = append(out, def)
			}
		}
		if _, ok := seen["tmpcopyup"]; !ok {
			out = append(out, "tmpcopyup")
		}
	} else if _, ok := seen["bind"]; !ok {
		out = append(out, "rbind")
	}
	// The user's options keep their order; the defaults after them are sorted, so that a spec does not
	// depend on map iteration.
	slices.Sort(out[user:])
	return out
}

// validSize accepts what tmpfs's size= does: a number with an optional k, m, g (either case) suffix,
// or a percentage of RAM.
func validSize(v string) bool {
	if v == "" {
		return false
	}
	num := strings.TrimRight(v, "kKmMgG%")
	if len(v)-len(num) > 1 || num == "" {
		return false
	}
	_, err := strconv.ParseUint(num, 10, 64)
	return err == nil
}

func validMode(v string) bool {
	m, err := strconv.ParseUint(v, 8, 32)
	return err == nil && m <= 0o7777
}

// NewSpec checks a mount given as typed fields rather than a flag (the Docker API's) and completes its
// options as -v, --mount and --tmpfs do: typ is bind, volume or tmpfs; source is a host path (bind), a
// volume name ("" for an anonymous volume) or "" (tmpfs); opts are -v's and --tmpfs's options. origin
// names the mount in messages.
func NewSpec(typ, source, dest string, opts []string, origin string) (Spec, error) {
	s := Spec{Type: typ, Origin: origin}
	var err error
	if s.Destination, err = checkDestination(origin, dest); err != nil {
		return Spec{}, err
	}
	switch typ {
	case TypeBind:
		if s.Source, err = hostPath(origin, source); err != nil {
			return Spec{}, err
		}
	case TypeVolume:
		if source == "" {
			s.Anonymous = true
		} else if err := ValidateVolumeName(source); err != nil {
			return Spec{}, fmt.Errorf("%s: %w (host paths start with / or .)", origin, err)
		}
		s.Source = source
	case TypeTmpfs:
		if source != "" {
			return Spec{}, invalidf("%s: a tmpfs has no source", origin)
		}
	default:
		return Spec{}, invalidf("%s: unknown type %q: use bind, volume or tmpfs", origin, typ)
	}
	if err := s.setOptions(opts); err != nil {
		return Spec{}, err
	}
	return s, nil
}
