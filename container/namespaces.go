package container

import (
	"fmt"

	"github.com/skiffproject/skiff/runtime/spec"
)

// Namespace modes of --ipc and --pid.
const (
	NamespacePrivate = "private"
	NamespaceHost    = "host"
)

// ParseNamespaceMode checks an --ipc or --pid value: "" or private (a new namespace), or host (the
// namespace skiff runs in: for a rootless user, the host's, shared with the user's processes).
func ParseNamespaceMode(flag, v string) (string, error) {
	switch v {
	case "", NamespacePrivate:
		return "", nil
	case NamespaceHost:
		return NamespaceHost, nil
	}
	return "", fmt.Errorf("--%s %q: want host or private", flag, v)
}

// namespacesConfig puts --ipc and --pid into cfg; a pod member gets its namespaces from the pod.
func namespacesConfig(o *CreateOptions, cfg *Config) error {
	var err error
	if cfg.IPC, err = ParseNamespaceMode("ipc", o.IPC); err != nil {
		return err
	}
	if cfg.PID, err = ParseNamespaceMode("pid", o.PID); err != nil {
		return err
	}
	if cfg.Pod != nil && (cfg.IPC != "" || cfg.PID != "") {
		return fmt.Errorf("--ipc and --pid cannot be used with --pod: the pod's members share its namespaces (see skiff pod create --share)")
	}
	return nil
}

// namespacesSpec applies --ipc and --pid host to the spec options.
func namespacesSpec(c *Container, o *spec.Options) {
	if c.Config.IPC == NamespaceHost {
		o.Namespaces.IPC = NamespaceHost
	}
	if c.Config.PID == NamespaceHost {
		o.Namespaces.PID = NamespaceHost
	}
}
