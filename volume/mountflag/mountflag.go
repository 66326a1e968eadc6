package mountflag

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Types of mount a Spec describes.
const (
	TypeBind   = "bind"   // a host path
	TypeVolume = "volume" // a named or anonymous volume
	TypeTmpfs  = "tmpfs"  // a tmpfs private to the container
)

// ErrInvalid classes every parse error (errors.Is): the flag is wrong, not the engine. The errors
// themselves read as one line that names the flag and the fix.
var ErrInvalid = errors.New("invalid argument")

// invalid is an error of class ErrInvalid whose text is only its message.
type invalid struct{ msg string }

func (e invalid) Error() string        { return e.msg }
func (e invalid) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, a ...any) error { return invalid{fmt.Sprintf(format, a...)} }

// Spec is one mount a container asks for. It is what the container's record keeps: create parses the
// flags into specs once, and each start turns them into OCI mounts.
type Spec struct {
	Type string `json:"type"`
	// Source is the absolute host path of a bind mount or the name of a volume; "" for a tmpfs and for
	// an anonymous volume until volume.Store.Prepare names it.
	Source      string `json:"source,omitempty"`
	Destination string `json:"destination"`
	// Options are OCI mount options: ro or rw, a propagation mode, bind or rbind, nosuid/nodev/noexec and
	// their opposites, and tmpfs's size=, mode=, tmpcopyup. z and Z are dropped (no SELinux here).
	Options []string `json:"options,omitempty"`
	// Chown is :U: the source is chowned, recursively, to the container user's IDs at each start.
	Chown bool `json:"chown,omitempty"`
	// NoCopy is nocopy: an empty new volume is not filled from the image's content at Destination.
	NoCopy bool `json:"nocopy,omitempty"`
	// Anonymous marks a volume created for this container (-v /path or an image VOLUME): rm -v removes it.
	Anonymous bool `json:"anonymous,omitempty"`
	// VolumeOptions (volume-opt=) and VolumeLabels (volume-label=) configure a volume that does not
	// exist yet and is created for the container.
	VolumeOptions map[string]string `json:"volumeOptions,omitempty"`
	VolumeLabels  map[string]string `json:"volumeLabels,omitempty"`
	// Origin is the flag as the user typed it, for messages.
	Origin string `json:"origin,omitempty"`
}

// ReadOnly reports whether the mount is read-only.
func (s Spec) ReadOnly() bool { return slices.Contains(s.Options, "ro") }

// Flags are the mount flags of create and run, as typed.
type Flags struct {
	Volumes     []string // -v, --volume
	Mounts      []string // --mount
	Tmpfs       []string // --tmpfs
	VolumesFrom []string // --volumes-from
	// Specs are mounts given already typed (the Docker API's Binds, Mounts and Tmpfs, made with NewSpec),
	// after the flags' mounts.
	Specs []Spec
}

// From is one --volumes-from CONTAINER[:OPTIONS].
type From struct {
	Container string
	// Mode is "ro" or "rw" to force every inherited mount read-only or read-write, "" to keep theirs.
	Mode   string
	Origin string
}

// Parse checks every flag and returns the mounts they ask for, in flag order (-v, then --mount, then
// --tmpfs), and the containers --volumes-from names, for the caller to look up and pass to Inherit.
// A destination may be mounted once; the same spec given twice counts once. Relative host paths are
// made absolute against the working directory.
func Parse(f Flags) ([]Spec, []From, error) {
	var specs []Spec
	for _, v := range f.Volumes {
		s, err := parseVolume(v)
		if err != nil {
			return nil, nil, err
		}
		specs = append(specs, s)
	}
	for _, m := range f.Mounts {
		s, err := parseMount(m)
		if err != nil {
			return nil, nil, err
		}
		specs = append(specs, s)
	}
	for _, t := range f.Tmpfs {
		s, err := parseTmpfs(t)
		if err != nil {
			return nil, nil, err
		}
		specs = append(specs, s)
	}
	specs = append(specs, f.Specs...)
	specs, err := dedupe(specs)
	if err != nil {
		return nil, nil, err
	}
	var from []From
	for _, v := range f.VolumesFrom {
		fr, err := parseFrom(v)
		if err != nil {
			return nil, nil, err
		}
		from = append(from, fr)
	}
	return specs, from, nil
}

// dedupe drops exact repeats and refuses two different mounts on one destination.
func dedupe(specs []Spec) ([]Spec, error) {
	var out []Spec
	for _, s := range specs {
		i := slices.IndexFunc(out, func(o Spec) bool { return o.Destination == s.Destination })
		if i < 0 {
			out = append(out, s)
			continue
		}
		if same(out[i], s) {
			continue
		}
		return nil, invalidf("duplicate mount destination %s (%s and %s): mount one thing per container path",
			s.Destination, out[i].Origin, s.Origin)
	}
	return out, nil
}

func same(a, b Spec) bool {
	return a.Type == b.Type && a.Source == b.Source && a.Chown == b.Chown && a.NoCopy == b.NoCopy &&
		slices.Equal(a.Options, b.Options)
}

// Inherit adds the bind mounts and volumes of another container (recorded as theirs) to specs, for
// --volumes-from: tmpfs mounts are not shared, a destination specs already mounts keeps its own mount
// (the container's flags win, as in Podman), and from.Mode, if set, makes each one read-only or
// read-write. Call it once per From, in order; a destination an earlier container gave wins.
func Inherit(specs []Spec, from From, theirs []Spec) []Spec {
	out := slices.Clone(specs)
	for _, s := range theirs {
		if s.Type == TypeTmpfs || s.Source == "" {
			continue
		}
		if slices.ContainsFunc(out, func(o Spec) bool { return o.Destination == s.Destination }) {
			continue
		}
		s.Options = slices.Clone(s.Options)
		if from.Mode != "" {
			s.Options = slices.DeleteFunc(s.Options, func(o string) bool { return o == "ro" || o == "rw" })
			s.Options = append([]string{from.Mode}, s.Options...)
		}
		// The volume belongs to the other container: this one neither chowns it again nor removes it.
		s.Chown, s.Anonymous = false, false
		s.VolumeOptions, s.VolumeLabels = nil, nil
		s.Origin = from.Origin
		out = append(out, s)
	}
	return out
}

// AddImageVolumes adds an anonymous volume for each of the image's VOLUME paths that specs do not
// mount already, as Podman does (its default --image-volume bind). Paths are cleaned; relative ones
// are taken from /, as the image builder would have.
func AddImageVolumes(specs []Spec, imageVolumes []string) []Spec {
	out := slices.Clone(specs)
	var paths []string
	for _, p := range imageVolumes {
		paths = append(paths, path.Clean("/"+p))
	}
	slices.Sort(paths)
	for _, dest := range slices.Compact(paths) {
		if dest == "/" || slices.ContainsFunc(out, func(o Spec) bool { return o.Destination == dest }) {
			continue
		}
		out = append(out, Spec{Type: TypeVolume, Destination: dest, Anonymous: true,
			Options: []string{"rbind", "rprivate", "rw"}, Origin: "image VOLUME " + dest})
	}
	return out
}

// parseFrom parses CONTAINER[:ro|rw|z|Z[,…]].
func parseFrom(v string) (From, error) {
	name, opts, hasOpts := strings.Cut(v, ":")
	fr := From{Container: name, Origin: "--volumes-from " + v}
	if name == "" {
		return fr, invalidf("--volumes-from %q: no container: use --volumes-from CONTAINER[:ro|rw]", v)
	}
	if !hasOpts {
		return fr, nil
	}
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "ro", "rw":
			if fr.Mode != "" {
				return fr, invalidf("--volumes-from %q: give ro or rw once", v)
			}
			fr.Mode = o
		case "z", "Z":
		default:
			return fr, invalidf("--volumes-from %q: unknown option %q: use ro, rw, z or Z", v, o)
		}
	}
	return fr, nil
}

// checkDestination checks a container path: absolute, and not / itself.
func checkDestination(origin, dest string) (string, error) {
	switch {
	case dest == "":
		return "", invalidf("%s: no container path: give an absolute path to mount on", origin)
	case !strings.HasPrefix(dest, "/"):
		return "", invalidf("%s: container path %q is not absolute: use /%s", origin, dest, dest)
	}
	dest = path.Clean(dest)
	if dest == "/" {
		return "", invalidf("%s: cannot mount over the container's root /: choose a directory", origin)
	}
	return dest, nil
}

// ValidateVolumeName checks a volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, as Podman and Docker require.
func ValidateVolumeName(name string) error {
	if name == "" {
		return invalidf("empty volume name")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '.' || r == '-'))
		if !ok {
			return invalidf("volume name %q: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", name)
		}
	}
	return nil
}

// Invalid returns an error of class ErrInvalid with the text msg, for the packages that check mounts
// further (volume).
func Invalid(msg string) error { return invalid{msg} }
