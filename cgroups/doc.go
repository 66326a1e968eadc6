// Package cgroups holds a container's resource limits and the cgroup that enforces them.
//
// A rootless container gets a cgroup only where one is delegated to the user. On a cgroup v1 host
// (and on a hybrid one, where every controller is on v1) that is a directory the user owns in every
// mounted v1 hierarchy, below the cgroup the user's processes are in: DelegatedName under it. The OCI
// runtime is then given a relative cgroups path, which it resolves against its own cgroup in each
// hierarchy, so a container never leaves the subtree its creator is in. Where nothing is delegated, a
// container that asks for limits is refused with the reason and the fix; one that asks for none runs
// without a cgroup, as before.
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package cgroups
