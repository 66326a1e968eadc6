// Package fuseoverlay sets up the user's containers/storage: it resolves storage.conf and the command line
// into store options, picks the driver (native overlay inside the user namespace, else fuse-overlayfs,
// else vfs), refuses a graph root on a network file system, and opens the store.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package fuseoverlay
