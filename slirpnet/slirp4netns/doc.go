// Package slirp4netns runs slirp4netns(1) for a container's network namespace and talks to its API
// socket. It knows the binary's flags and protocol, nothing about containers: package slirpnet decides
// what to run.
//
// slirp4netns must run in the user namespace that owns the network namespace (as Podman runs it):
// from the host user, --enable-sandbox fails.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package slirp4netns
