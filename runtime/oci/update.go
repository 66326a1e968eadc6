package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// WithCgroup returns a copy of r for a container that has a cgroup of its own (one delegated to the
// user): pause, resume and kill --all work on it.
func (r *Runtime) WithCgroup() *Runtime {
	if r.cgroups {
		return r
	}
	return &Runtime{Name: r.Name, Path: r.Path, StateRoot: r.StateRoot, kind: r.kind, cgroups: true}
}

// Update applies new resource limits to a running container's cgroup (`runtime update --resources`).
func (r *Runtime) Update(ctx context.Context, id string, res *rspec.LinuxResources) error {
	if !r.cgroups {
		return fmt.Errorf("%s update %s: %w", r.Name, id, ErrNoCgroup)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("%s update %s: encode resources: %w", r.Name, id, err)
	}
	f, err := os.CreateTemp("", "skiff-update-*.json")
	if err != nil {
		return fmt.Errorf("%s update %s: %w", r.Name, id, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s update %s: write resources: %w", r.Name, id, err)
	}
	_, err = r.run(ctx, "update", id, "", "update", "--resources", f.Name(), id)
	return err
}
