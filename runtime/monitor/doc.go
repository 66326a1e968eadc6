// Package monitor starts and talks to skiff's per-container monitor, the process that holds a container's
// stdio and outlives the command that started it.
//
// The monitor is written in C (monitor.c) and runs from a constructor of this package when the skiff
// binary is executed with _SKIFF_MONITOR set, before the Go runtime starts; it never returns to Go.
// Importing this package links it in. Everything that is policy (which runtime, which arguments, what
// the exit command does) is decided here, in Go; the monitor only moves bytes and waits.
//
// Contract between the two halves:
//   - the monitor's working directory is the container's run directory, which is also the OCI bundle;
//     the attach socket "attach" (SOCK_SEQPACKET) is bound there by Start and passed as fd 4, so that
//     a caller can connect before the container starts; "console.sock" is bound there while a
//     terminal is being set up;
//   - the runtime gets the console socket as /proc/self/cwd/console.sock (short whatever the run
//     directory's length) and writes the container's PID to Config.PIDFile;
//   - on fd 3 the monitor reports "ok PID MONITORPID\n" once the runtime command succeeded, or
//     "error STATUS\n" followed by the runtime's stderr; with a start command (Config.StartCommand) it
//     reports "created PID MONITORPID\n" first, waits for a byte on fd 5 (Process.Start) and then
//     reports the start's outcome the same way; EOF on fd 5 instead makes it kill the container;
//   - when the container's init exits it writes "TOKEN CODE UNIXNANOS\n" to Config.ExitFile (through a
//     rename), sends an exit frame to attach clients, runs Config.DeleteCommand, and runs
//     Config.ExitCommand unless a client claimed the clean-up and reported it done.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package monitor
