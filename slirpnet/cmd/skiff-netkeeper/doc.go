// Command skiff-netkeeper is the per-container network keeper (package slirpnet/keeper) as an
// executable of its own, installed next to skiff. A keeper lives as long as its container: linked
// alone it starts in a few milliseconds and holds a few megabytes, where skiff's own binary, re-executed,
// would pay every package init of the engine and keep their memory. cmd/skiff/roles.go lists it with
// the skiff binary's other roles.
//
// It belongs to the executables layer (test/layers): it may import every layer below it; it must not
// import another executable or the tests and tools layer, and nothing imports it.
package main
