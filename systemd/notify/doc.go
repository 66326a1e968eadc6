// Package notify is a small sd_notify client: it sends state changes (READY=1, MAINPID=, STATUS=) to the
// service manager's socket named by $NOTIFY_SOCKET, a path or an abstract socket ("@name"), and it holds
// the meaning of `run --sdnotify`.
//
// # --sdnotify modes
//
// Under systemd (a unit with Type=notify and NotifyAccess=all, as `generate systemd --new` and Quadlet
// write), the command that starts a container (`skiff run -d`, `skiff start`) tells systemd about it:
//
//   - conmon (the default of generated units): once the OCI runtime has started the container, skiff sends
//     MAINPID=<monitor PID> and READY=1. systemd then watches the monitor, which lives as long as the
//     container, after `skiff run -d` has exited; the user manager is a subreaper, so it also gets the
//     monitor's exit status, which Restart=on-failure looks at.
//   - container: skiff sends MAINPID=<monitor PID> only; the socket is made reachable inside the container
//     and NOTIFY_SOCKET set there (see ContainerSocket), and READY=1 comes from the container's process.
//   - ignore: skiff sends nothing.
//
// In every mode NOTIFY_SOCKET is taken out of the environment of the monitor and of the OCI runtime (crun and
// runc act on it themselves), and for conmon and ignore out of the container's (see Unset). Read the socket
// with Socket() before that. The whole of it, for the start path:
//
//	mode, err := notify.ParseMode(flagValue)      // at flag parsing: "" is ignore outside systemd
//	socket := notify.Socket()                      // before the environment is changed
//	…                                              // start the monitor and the container
//	err = notify.Started(socket, mode, monitorPID) // nil without a socket
//
// systemd accepts the messages because the sender is in the unit's cgroup; this works from inside skiff's
// user namespace too (the PIDs are the host's: skiff has no PID namespace of its own).
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package notify
