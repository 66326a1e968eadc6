package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/containers/storage/pkg/reexec"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/slirpnet/keeper"
)

// The skiff binary runs as the command a user typed and in every role below. This table is the one
// list of them and the one place each is documented; the code of a role says what it does, not how it
// is picked. A role is picked in one of three ways:
//
//   - byConstructor: an environment variable, read by a C constructor before the Go runtime starts.
//     Only what must run while the process still has one thread (setns into a user namespace) or must
//     not pay for a Go runtime at all is picked so. Such a role never returns to Go. The same
//     constructor file, userns/join.c, joins every other skiff process to the user's namespace before
//     Go starts; userns's one init (userns/cgo.go) publishes what it did in the environment, which is
//     why that package is allowed an init.
//   - byArgv0: argv[0], looked up by main before the command line is parsed (pickRole). Processes that
//     skiff starts are re-executions of /proc/self/exe with that argv[0].
//   - byVerb: a hidden verb of the command line, for a role that needs the global flags (the storage
//     to work on) like any verb.
//
// Each Go role returns its exit code from run; only main calls os.Exit.
var roles = []role{
	{
		name: "skiff-pause", by: byConstructor, env: "_SKIFF_PAUSE", source: "userns/join.c",
		doc: "holds the user's user and mount namespace: waits for the ID maps, becomes root in the namespace, " +
			"then execs catatonit under this name; userns.Enter starts it",
	},
	{
		name: "monitor", by: byConstructor, env: "_SKIFF_MONITOR", source: "runtime/monitor/monitor.c",
		doc: "one per container, in C: runs the OCI runtime, holds the container's stdio and log, records its " +
			"exit code, then execs `skiff container cleanup`; monitor.Start starts it",
	},
	{
		name: netbridge.HelperArgv0, by: byArgv0, argv0: []string{netbridge.HelperArgv0},
		doc: "one per user while a user-defined network has members: DNS on every network's gateway and the " +
			"forwarder of published ports into the shared network namespace; started by package netbridge",
		run: func(args []string) int { return roleExit(netbridge.HelperArgv0, netbridge.ServeHelper(args)) },
	},
	{
		name: keeper.Argv0, by: byArgv0, argv0: []string{keeper.Argv0},
		doc: "one per container with slirp4netns or pasta: stops the network helpers when the container's init " +
			"exits, relays loopback UDP and runs rootlesskit's port driver; started by package slirpnet, from " +
			"bin/skiff-netkeeper (the same code linked alone, slirpnet/cmd/skiff-netkeeper) when it is next to skiff",
		run: func(args []string) int { return roleExit(keeper.Argv0, keeper.Serve(args)) },
	},
	{
		name: generatorName, by: byArgv0, argv0: []string{generatorName},
		doc: "systemd's user generator, through the link make install-systemd makes: `skiff quadlet generate " +
			"--user NORMAL-DIR EARLY-DIR LATE-DIR`, run by systemd at daemon-reload",
		run: func(args []string) int { return run(generatorArgs(args)) },
	},
	{
		name: "containers/storage's helpers", by: byArgv0,
		argv0: []string{"storage-mountfrom", "storage-applyLayer", "storage-untar", "storage-tar", "storage-chown-by-maps"},
		doc: "registered by containers/storage with its reexec package: a layer mount whose options are too " +
			"long for one mount(2) page, and chrooted layer (un)packing and chowning",
		run: func([]string) int {
			reexec.Init() // the helper exits by itself
			return exitEngine
		},
	},
	{
		name: "container cleanup", by: byVerb, source: "cmd/skiff/container.go",
		doc: "the monitor's exit command after a container's run: unmounts it, deletes the runtime's state, " +
			"removes it with --rm, applies its restart policy and exits with the container's exit code",
	},
}

// pickedBy says what makes a process take a role.
type pickedBy int

const (
	byConstructor pickedBy = iota // an environment variable read by a C constructor before Go starts
	byArgv0                       // argv[0], read by main
	byVerb                        // a hidden verb of the command line
)

// role is one of the processes the skiff binary runs as.
type role struct {
	name   string   // the process's name, as ps shows it, or the verb
	by     pickedBy // how it is picked
	env    string   // byConstructor: the variable that picks it
	argv0  []string // byArgv0: the names that pick it (argv[0]'s last element)
	source string   // where the role is picked, when not in this file
	doc    string   // what the process does
	// run is a byArgv0 role's entry point: it gets the command line and returns the exit code.
	run func(args []string) int
}

// pickRole returns the byArgv0 role that args[0] names, or nil: args is then a command line.
func pickRole(args []string) *role {
	name := filepath.Base(args[0])
	for i := range roles {
		if roles[i].by == byArgv0 && slices.Contains(roles[i].argv0, name) {
			return &roles[i]
		}
	}
	return nil
}

// roleExit is the exit code of a Go role that returned err, which it prints.
func roleExit(name string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	return 1
}
