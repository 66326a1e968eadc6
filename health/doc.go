// Package health holds a container's health check: its configuration (--health-* or the image's
// HEALTHCHECK), the results of its runs and the state they add up to, as Podman and Docker count them.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package health
