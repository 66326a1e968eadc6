// Package keeper is the per-container network keeper: a small process, bin/skiff-netkeeper or the skiff
// binary re-executed as "skiff-netkeeper" (cmd/skiff/roles.go lists the roles), that outlives the
// command which set the network up and dies with the container.
//
// It does what neither slirp4netns nor pasta does by itself:
//   - it watches the container's init through a pidfd and stops the helpers it was given (pasta has no
//     exit fd) when the init exits;
//   - it relays UDP datagrams from the host's loopback, which both helpers lose (libslirp sends them
//     into the namespace with a loopback source, a martian there; pasta 2023-03-09 drops the replies),
//     from a socket bound to the client's own loopback address inside the namespace, so the container
//     still sees the client's address;
//   - it runs rootlesskit's builtin port driver (port_handler=rootlesskit, and loopback-bound ports
//     under slirp4netns, whose clients are all on the loopback).
//
// Descriptors it inherits: 3 = pidfd of the container's init, 4 = the network namespace, 5 = the ready
// pipe (it writes "ok\n" or "error: MESSAGE\n"), 6… = pidfds of the helpers to stop.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package keeper
