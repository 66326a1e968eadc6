// Package systemd holds what skiff's systemd integration shares: the quoting rules of a unit file's command
// lines, the environment variable that names a container's unit, and restart policies.
//
// skiff has no daemon. Long-running containers are kept alive by the user's systemd manager instead, through
// units that skiff writes:
//   - package systemd/unit generates a unit for an existing container or pod (`skiff generate systemd`);
//   - package systemd/quadlet translates Quadlet files (.container, .pod, .volume, .network) into units, as
//     a systemd user generator (`skiff quadlet`);
//   - package systemd/notify is the sd_notify client that tells systemd that a container runs
//     (`run --sdnotify=conmon|container|ignore`).
//
// Restart policies (`--restart`) are parsed here; the monitor applies them (see [RestartPolicy.ShouldRestart]).
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package systemd
