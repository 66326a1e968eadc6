// Package oci drives an OCI runtime (crun or runc) through its command line.
//
// Find picks the runtime: the one asked for (a name or an absolute path), else the one containers.conf
// names, else crun when it can work on this host, else runc. Commands that the container monitor runs
// (create, exec) are returned as argument vectors; the short ones (start, kill, delete, state, pause,
// resume) are run here, and their errors name the runtime, the action and the container and carry the
// runtime's own message, such as "runc kill 4f3a… SIGTERM: container not running". Sentinel errors
// (ErrNotExist, ErrNotRunning, ErrNoCgroup, ErrUnusable, ErrNotFound) are matched with errors.Is.
//
// Inside the user's namespace both runtimes run "rootless": runc detects it by itself (its --rootless
// default, auto, means true for uid 0 in a non-initial user namespace) and crun is told not to touch
// cgroups (--cgroup-manager=disabled). Specs come from package runtime/spec and have no cgroup settings.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package oci
