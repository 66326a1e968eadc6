// Package cdi gives containers devices described by Container Device Interface specs
// (tags.cncf.io/container-device-interface): `--device vendor.com/class=name` and Docker's `--gpus`.
//
// Specs are read from /etc/cdi, /var/run/cdi and the user's own $XDG_CONFIG_HOME/cdi (~/.config/cdi), later
// directories overriding earlier ones. Inject edits an OCI spec: device nodes, environment, mounts and
// hooks. A rootless runtime cannot create device nodes or write device cgroup rules, so each device node
// becomes a bind mount of the host's node and the cgroup rules CDI adds are dropped (the runtime creates
// no cgroup for a rootless container; see runtime/spec).
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package cdi
