// Package container implements skiff's container lifecycle: create, start, run, stop, kill, remove,
// wait, logs, exec, attach, list, inspect, top, rename, restart, pause, cp, export and prune.
//
// A container is a containers/storage container (its ID, its unique names and its rootfs layer) plus
// skiff's record of it, a JSON file in the storage container's persistent directory that holds the
// configuration and the state. The record is replaced atomically (a temporary file and a rename) and
// only under the container's lock, a flock on a file in the user's runtime directory; readers never
// lock. Each running container has a monitor (package runtime/monitor) that writes the exit code to an
// exit file next to the record, so the state a reader computes from the record, the exit file and the
// processes' start times is right even when a command was killed half-way: every command that changes
// a container first repairs what such a command left behind (see sync.go).
//
// It belongs to the engine layer (test/layers): it may import the ground and services layers; it must
// not import the packages built on it (pods, kube, system) or a front end (cmd/…, api/).
package container
