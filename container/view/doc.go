// Package view is how front ends present containers: the rows of ps (List, with Podman's filters and
// columns), the inspect document in Podman's shape (Inspect), top's processes, stats' samples, the
// published ports of `skiff port`, and the queries over all containers that rm --depend and the in-use
// checks of secret and network rm need. It reads container records through package container and
// changes nothing.
//
// It belongs to the engine users layer (test/layers): it may import package container and the layers
// below; package container must not import it, and it must not import a front end.
package view
