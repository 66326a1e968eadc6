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
package systemd

// EnvUnit is set to the unit's name (%n) in every unit skiff generates, so that the skiff command running
// there knows which unit it belongs to (Podman records its PODMAN_SYSTEMD_UNIT as a container label, for
// auto-update). skiff does not set Podman's variable, so that Podman never mistakes a skiff container's
// unit for one of its own.
const EnvUnit = "SKIFF_SYSTEMD_UNIT"
