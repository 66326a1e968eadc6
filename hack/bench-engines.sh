# shellcheck shell=bash
# Sourced by the benchmarks' measurement scripts, which run as the test user with RUNDIR, WORK, PODMAN
# and DRIVER set: the two engines compared, each on its own storage and runtime directory (skiff with a
# user namespace of its own, so that killing it at the end disturbs nothing else), on the same storage
# driver. Podman runs with runc: its crun refuses this hybrid-cgroup host.
mkdir -p "$RUNDIR/skiff-xdg" "$RUNDIR/podman-xdg"
chmod 0700 "$RUNDIR/skiff-xdg" "$RUNDIR/podman-xdg"
# shellcheck disable=SC2034 # used by the script that sources this one
skiff=(env XDG_RUNTIME_DIR="$RUNDIR/skiff-xdg" SKIFF_PRIVATE_NAMESPACE=1 "$WORK/skiff" --root "$WORK/skiff-root"
	--runroot "$RUNDIR/skiff-run" ${DRIVER:+--storage-driver "$DRIVER"})
podman=()
if [[ -n $PODMAN ]]; then
	podman=(env XDG_RUNTIME_DIR="$RUNDIR/podman-xdg" "$PODMAN" --root "$WORK/podman-root" --runroot "$RUNDIR/podman-run"
		${DRIVER:+--storage-driver "$DRIVER"} --runtime runc --cgroup-manager cgroupfs --events-backend none)
fi
