// Package pasta runs pasta(1) (from passt) for a container's network namespace. It knows the binary's
// flags, nothing about containers: package slirpnet decides what to run.
//
// pasta copies the host's address, routes and MTU into the namespace, forwards published ports itself
// (keeping the client's address: a loopback client is spliced to the namespace's loopback, any other
// one keeps its address on the tap device), and daemonizes once the namespace is configured.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package pasta
