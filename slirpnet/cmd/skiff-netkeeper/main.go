// Command skiff-netkeeper is the per-container network keeper (package slirpnet/keeper) as an
// executable of its own, installed next to skiff. A keeper lives as long as its container: linked
// alone it starts in a few milliseconds and holds a few megabytes, where skiff's own binary, re-executed,
// would pay every package init of the engine and keep their memory. cmd/skiff/roles.go lists it with
// the skiff binary's other roles.
package main

import (
	"fmt"
	"os"

	"github.com/skiffproject/skiff/slirpnet/keeper"
)

func main() {
	if err := keeper.Serve(os.Args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", keeper.Argv0, err)
		os.Exit(1)
	}
}
