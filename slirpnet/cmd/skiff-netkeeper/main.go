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
