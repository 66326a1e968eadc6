// Package container is skiff's container engine core: the lifecycle of a container (create, start,
// run, stop, kill, remove, wait, logs, exec, attach, rename, restart, pause, update, prune) and its
// record. Front ends (the CLI in cmd/skiff, the Docker API in package api, kube play) fill the typed
// CreateOptions and call the Engine; they never hand it flag strings.
//
// Around it, each in its own package: netwire (the network a container asks for and its wiring at
// each start), podwire (what a pod's member and infra container need), view (the ps rows and the
// inspect, top and stats documents front ends show), files (cp, export, diff and commit through the
// container's root file system). Those may import this package; this package imports only netwire and
// podwire, never view, files, pods or a front end.
//
// A container is a containers/storage container (its ID, its unique names and its rootfs layer) plus
// skiff's record of it, a JSON file in the storage container's persistent directory that holds the
// configuration and the state. The record is replaced atomically (a temporary file and a rename) and
// only under the container's lock, a lock file in the user's runtime directory (package record);
// readers never lock. Each running container has a monitor (package runtime/monitor) that writes the
// exit code to an exit file next to the record, so the state a reader computes from the record, the
// exit file and the processes' start times is right even when a command was killed half-way: every
// command that changes a container first repairs what such a command left behind (see sync.go).
//
// It belongs to the engine layer (test/layers): it may import the ground and services layers and its
// own netwire and podwire; it must not import view or files, the packages built on it (pods, kube,
// system) or a front end (cmd/…, api/).
package container
