package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/secrets"
)

// Types of --secret.
const (
	SecretMount = "mount"
	SecretEnv   = "env"
)

// SecretRef is a --secret of a container: the secret (by ID once created) and how the container gets
// it. Only the reference is recorded, never the data.
type SecretRef struct {
	Name   string `json:"name"`
	ID     string `json:"id,omitempty"`
	Type   string `json:"type"`   // mount (default) or env
	Target string `json:"target"` // the file under /run/secrets (or an absolute path), or the variable
}

// ParseSecret parses --secret NAME[,type=mount|env][,target=T].
func ParseSecret(s string) (SecretRef, error) {
	parts := strings.Split(s, ",")
	r := SecretRef{Name: parts[0], Type: SecretMount}
	if err := secrets.ValidateName(r.Name); err != nil {
		return r, fmt.Errorf("--secret %q: %w", s, err)
	}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case ok && k == "type" && (v == SecretMount || v == SecretEnv):
			r.Type = v
		case ok && k == "target" && v != "":
			r.Target = v
		default:
			return r, fmt.Errorf("--secret %q: unknown option %q: want type=mount|env or target=NAME", s, p)
		}
	}
	if r.Target == "" {
		r.Target = r.Name
	}
	if r.Type == SecretMount && !filepath.IsAbs(r.Target) && strings.Contains(r.Target, "/") {
		return r, fmt.Errorf("--secret %q: target %q: want a file name under /run/secrets or an absolute path", s, r.Target)
	}
	return r, nil
}

// secretConfig resolves each --secret to its secret's ID; a missing secret stops the create.
func (e *Engine) secretConfig(o *CreateOptions, cfg *Config) error {
	st := secrets.New(e.store.GraphRoot())
	for _, r := range o.Secrets {
		sec, err := st.Get(r.Name)
		if err != nil {
			return fmt.Errorf("--secret %s: %w (hint: skiff secret create %s FILE)", r.Name, err, r.Name)
		}
		r.ID = sec.ID
		cfg.Secrets = append(cfg.Secrets, r)
	}
	return nil
}

// secretSpec gives a starting container its secrets: a file bound read-only from its run directory
// (never a layer), or a variable of the process's environment (never the record).
func (e *Engine) secretSpec(c *Container, o *spec.Options) error {
	if len(c.Config.Secrets) == 0 {
		return nil
	}
	st := secrets.New(e.store.GraphRoot())
	dir := filepath.Join(e.runDir(c.ID), "secrets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("container %s: secrets: %w", c.Name(), err)
	}
	for _, r := range c.Config.Secrets {
		data, err := st.Data(r.ID)
		if err != nil {
			return fmt.Errorf("container %s: --secret %s: %w", c.Name(), r.Name, err)
		}
		if r.Type == SecretEnv {
			o.Env = append(append([]string{}, o.Env...), r.Target+"="+string(data))
			continue
		}
		f := filepath.Join(dir, r.ID)
		if err := record.WriteFile(f, data, 0o400); err != nil { // replaces an earlier start's
			return fmt.Errorf("container %s: --secret %s: %w", c.Name(), r.Name, err)
		}
		target := r.Target
		if !filepath.IsAbs(target) {
			target = filepath.Join("/run/secrets", target)
		}
		o.Mounts = append(o.Mounts, rspec.Mount{Destination: target, Type: "bind", Source: f,
			Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}})
	}
	return nil
}
