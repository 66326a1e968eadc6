package systemd

// EnvUnit is set to the unit's name (%n) in every unit skiff generates, so that the skiff command running
// there knows which unit it belongs to (Podman records its PODMAN_SYSTEMD_UNIT as a container label, for
// auto-update). skiff does not set Podman's variable, so that Podman never mistakes a skiff container's
// unit for one of its own.
const EnvUnit = "SKIFF_SYSTEMD_UNIT"
