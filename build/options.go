package build

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrBadOption reports a build option skiff refuses before anything starts.
var ErrBadOption = errors.New("invalid build option")

// Pull policies, Podman's names.
const (
	PullAlways  = "always"
	PullMissing = "missing"
	PullNever   = "never"
	PullNewer   = "newer"
)

// Options are one build's settings, as the helper receives them (JSON on a pipe).
type Options struct {
	// ContextDir is the absolute build context directory.
	ContextDir string `json:"contextDir"`
	// Dockerfiles are absolute paths; empty means Containerfile, else Dockerfile, in ContextDir.
	Dockerfiles []string `json:"dockerfiles,omitempty"`
	// Tags are full image names; the first names the image, the others are added.
	Tags      []string          `json:"tags,omitempty"`
	BuildArgs map[string]string `json:"buildArgs,omitempty"`
	Target    string            `json:"target,omitempty"`
	NoCache   bool              `json:"noCache,omitempty"`
	// Pull is always, missing, never or newer.
	Pull string `json:"pull"`
	// Layers keeps an image per step as the cache (Podman's default).
	Layers  bool     `json:"layers"`
	Labels  []string `json:"labels,omitempty"`
	IIDFile string   `json:"iidFile,omitempty"`
	Quiet   bool     `json:"quiet,omitempty"`
	Squash  bool     `json:"squash,omitempty"`
	// Format is oci or docker.
	Format string `json:"format"`
	// Network is the RUN steps' network: "" (private, slirp4netns), host, none, slirp4netns or pasta.
	Network string `json:"network,omitempty"`
	// Secrets are --secret values, id=ID,src=PATH.
	Secrets []string `json:"secrets,omitempty"`
	// Runtime is the OCI runtime's path.
	Runtime string `json:"runtime"`
	// Storage selects the store: the same global flags skiff was given.
	Storage StorageOptions `json:"storage"`
}

// StorageOptions mirror skiff's global storage flags.
type StorageOptions struct {
	GraphRoot     string   `json:"graphRoot,omitempty"`
	RunRoot       string   `json:"runRoot,omitempty"`
	Driver        string   `json:"driver,omitempty"`
	DriverOptions []string `json:"driverOptions,omitempty"`
}

// Networks lists what --network accepts.
var Networks = []string{"", "private", "host", "none", "slirp4netns", "pasta"}

// Check validates o completely, so that bad input fails before a container or an image exists.
func (o *Options) Check() error {
	if o.ContextDir == "" {
		return fmt.Errorf("%w: no build context: give a directory, or - for a tar on stdin", ErrBadOption)
	}
	st, err := os.Stat(o.ContextDir)
	if err != nil {
		return fmt.Errorf("build context %s: %w (hint: give an existing directory)", o.ContextDir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("build context %s: not a directory (hint: give the directory, or - for a tar on stdin)", o.ContextDir)
	}
	if len(o.Dockerfiles) == 0 {
		for _, n := range []string{"Containerfile", "Dockerfile"} {
			p := filepath.Join(o.ContextDir, n)
			if _, err := os.Stat(p); err == nil {
				o.Dockerfiles = []string{p}
				break
			}
		}
		if len(o.Dockerfiles) == 0 {
			return fmt.Errorf("build context %s: no Containerfile or Dockerfile in it (hint: name one with -f FILE)", o.ContextDir)
		}
	}
	for _, f := range o.Dockerfiles {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("build: Containerfile %s: %w", f, errors.Unwrap(err))
		}
	}
	switch o.Pull {
	case PullAlways, PullMissing, PullNever, PullNewer:
	default:
		return fmt.Errorf("%w: --pull %q: want always, missing, never or newer", ErrBadOption, o.Pull)
	}
	switch o.Format {
	case "oci", "docker":
	default:
		return fmt.Errorf("%w: --format %q: want oci or docker", ErrBadOption, o.Format)
	}
	if !slices.Contains(Networks, o.Network) {
		return fmt.Errorf("%w: --network %q: a build's RUN steps take host, none, private, slirp4netns or pasta", ErrBadOption, o.Network)
	}
	for _, s := range o.Secrets {
		id, src := "", ""
		for _, kv := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "id":
				id = v
			case "src", "source":
				src = v
			case "type":
				if v != "file" {
					return fmt.Errorf("%w: --secret %q: only type=file is supported", ErrBadOption, s)
				}
			default:
				return fmt.Errorf("%w: --secret %q: want id=ID,src=FILE", ErrBadOption, s)
			}
		}
		if id == "" || src == "" {
			return fmt.Errorf("%w: --secret %q: want id=ID,src=FILE", ErrBadOption, s)
		}
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("--secret %s: %w", id, err)
		}
	}
	for _, l := range o.Labels {
		if k, _, _ := strings.Cut(l, "="); k == "" {
			return fmt.Errorf("%w: --label %q: want KEY=VALUE", ErrBadOption, l)
		}
	}
	return nil
}
