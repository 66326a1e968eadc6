// Package netwire wires a container's network into its lifecycle: the typed network options a front
// end fills (Options, from flags with ParseFlags or from the Docker API's HostConfig), their resolution
// at create into the recorded Config (Resolve), and at each start the namespace and names files of the
// spec (Spec), the slirp4netns or pasta helper between `runtime create` and `runtime start` (Connect),
// and the clean-up after a run (Teardown). User-defined networks come from package netbridge, the
// rootless modes from package slirpnet.
//
// It owns no container records and takes no locks: package container calls it with what it needs
// (a Target, a Lookup for --network container:X).
//
// It belongs to the engine layer (test/layers): it may import the ground and services layers; it must
// not import package container (which imports it), the engine users or a front end.
package netwire
