// Package api serves the Docker Engine API over skiff's engine packages, the way `podman system service`
// does: a short-lived process (`skiff system service`) over the same on-disk state as the CLI, so the
// containers it starts outlive it and the CLI and the API see the same objects.
//
// Every handler turns the request into the engine's typed options and calls the engine; none runs the
// CLI. The server speaks API 1.44 (what Podman reports) and accepts every /vX.Y prefix from 1.24 up, and
// none. Streams that the Docker protocol hijacks (attach, exec start) go through hijack.go; errors are
// Docker's JSON {"message": …} with the status the engine's error class maps to (errors.go).
//
// It belongs to the front ends layer (test/layers): it may import every layer below it; it must not
// import an executable (cmd/…) or the tests and tools layer.
package api
