// Package secrets keeps the user's secrets: named blobs of data a container gets at /run/secrets/NAME
// or in an environment variable, never in an image layer, a container's record or inspect output.
//
// The only driver is Podman's "file": the data of each secret is a 0600 file in a 0700 directory of
// the user's storage (GRAPHROOT/secrets/filedriver/ID), and the metadata is one JSON file beside it,
// replaced atomically under a lock (package record).
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package secrets
