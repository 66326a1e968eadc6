// Package spec builds the OCI runtime spec (config.json) of a rootless container.
//
// Generate starts from runtime-tools' generator and applies Podman's secure defaults and the adjustments
// a runtime needs when it runs inside the user's namespace (libs.md §4, each verified with runc 1.1.5
// there): ociVersion 1.0.2-dev (crun 1.8.1 rejects 1.2.x), no "user" namespace (the runtime already runs
// in ours), no cgroups (Linux.Resources and CgroupsPath stay empty, see [Generate]), bind mounts for
// the host namespaces a user namespace cannot mount file systems for, and no device cgroup rules.
//
// ResolveUser turns a --user value into numeric IDs by reading the image's /etc/passwd and /etc/group
// without following symlinks out of the root file system.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package spec
