// Package mountflag parses the mount flags of create and run (-v/--volume, --mount, --tmpfs and
// --volumes-from) into mount specs, with Podman's rules and Docker's grammar, and merges in the mounts of
// other containers and the image's VOLUME entries.
//
// Parsing never touches the store: it checks syntax, options and, for bind mounts, that the host path
// exists, so a bad flag fails before anything is created. The package volume turns the specs into OCI
// mounts when the container starts.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package mountflag
