// Command skiff-netkeeper is the per-container network keeper (package slirpnet/internal/keeper) as an
// executable of its own, installed next to skiff. A keeper lives as long as its container: linked
// alone it starts in a few milliseconds and holds a few megabytes, where skiff's own binary, re-executed,
// would pay every package init of the engine and keep their memory.
package main

import "github.com/skiffproject/skiff/slirpnet/internal/keeper"

func main() { keeper.Main() }
