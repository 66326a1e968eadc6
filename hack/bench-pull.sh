#!/bin/bash
# bench-pull.sh times cold pulls of the distro test image, podman against
# skiff, as the unprivileged test user. Run as root, after
# `hack/setup-host.sh`.
#
#   SKIFF=/path/to/bin/skiff bash hack/bench-pull.sh [-n RUNS] [IMAGE]
#
# Each run pulls into fresh temporary storage (--root/--runroot) with a
# fresh XDG_RUNTIME_DIR, so every pull is cold; the stores are removed
# afterwards with `ENGINE unshare rm -rf` (their files belong to subuids).
# Without SKIFF (or with SKIFF unset to an executable) only podman runs.
# Prints one row per engine: runs, median, min and max wall-clock seconds.
#
# Environment: SKIFF (skiff binary), BENCH_RUNS (default 5),
# BENCH_ENGINES (default "podman skiff"), BENCH_DIR (default /var/tmp),
# BENCH_STORAGE_DRIVER (passed to both as --storage-driver; default: each
# engine's own default, which for podman 4.3 here is vfs).

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

RUNS=${BENCH_RUNS:-5}
IMAGE=$IMAGE_DISTRO
while (($#)); do
	case $1 in
	-n)
		[[ $# -ge 2 ]] || die "-n needs a number"
		RUNS=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		usage >&2
		die "unknown flag: $1"
		;;
	*) IMAGE=$1 ;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs must be a positive number, not '$RUNS'"

require_root
getent passwd "$TEST_USER" >/dev/null || die "no user $TEST_USER: run hack/setup-host.sh first"
registry_up || die "no registry on $REGISTRY: run hack/setup-host.sh first"

name=${IMAGE#*/}
if ! curl -fsS -m 10 -o /dev/null \
	-H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
	"http://$REGISTRY/v2/${name%:*}/manifests/${name##*:}" 2>/dev/null; then
	die "$IMAGE is not in the registry: run hack/setup-host.sh"
fi

# engine_bin ENGINE prints the binary to run for ENGINE, or nothing.
engine_bin() {
	case $1 in
	podman) command -v podman || true ;;
	skiff)
		if [[ -n ${SKIFF:-} ]]; then
			[[ -x $SKIFF ]] || die "SKIFF=$SKIFF is not executable"
			realpath "$SKIFF"
		fi
		;;
	*) die "unknown engine $1" ;;
	esac
}

BENCH_TMP=$(mktemp -d "${BENCH_DIR:-/var/tmp}/skiff-bench-pull.XXXXXX")
# Stores live in BENCH_TMP (on disk); runroots in the per-run XDG_RUNTIME_DIR
# (/tmp), whose path is short: podman rejects runroots over 50 characters.
chmod 0755 "$BENCH_TMP"
STORE=""
RUNTIME=""
LAST_TIME=""
DRIVER_FLAGS=()
if [[ -n ${BENCH_STORAGE_DRIVER:-} ]]; then
	DRIVER_FLAGS=(--storage-driver "$BENCH_STORAGE_DRIVER")
fi

# cleanup_store removes the current run's store as the user, inside the
# engine's user namespace, then whatever is left as root.
cleanup_store() {
	local bin=$1
	[[ -n $STORE && -d $STORE ]] || return 0
	if ! XDG_RUNTIME_DIR=$RUNTIME as_user "$TEST_USER" env SKIFF_PRIVATE_NAMESPACE=1 "$bin" \
		--root "$STORE/root" --runroot "$RUNTIME/runroot" "${DRIVER_FLAGS[@]}" unshare rm -rf "$STORE/root" "$RUNTIME/runroot" \
		>"$BENCH_TMP/cleanup.log" 2>&1; then
		# The overlay driver keeps its home bind-mounted inside the
		# engine's mount namespace (rm: EBUSY on that directory) and the
		# engine rewrites its lock files on exit. Only complain when
		# subuid-owned files, which the user could not remove, are left.
		if [[ -n $(find "$STORE" "$RUNTIME/runroot" ! -user "$TEST_USER" -print -quit 2>/dev/null) ]]; then
			WARN "$bin unshare rm -rf left subuid-owned files behind; removing them as root:"
			tail -n 5 "$BENCH_TMP/cleanup.log" >&2
		fi
	fi
	stop_pause_process
	rm -rf "$STORE" "$RUNTIME"
	STORE="" RUNTIME=""
}

# stop_pause_process ends the engine's rootless pause process of this run,
# which would otherwise outlive it: podman's (one per XDG_RUNTIME_DIR) and
# skiff's (SKIFF_PRIVATE_NAMESPACE=1 gives each run one of its own).
stop_pause_process() {
	local pidfile pid
	for pidfile in "$RUNTIME/libpod/tmp/pause.pid" "$RUNTIME/skiff/pause.pid"; do
		[[ -f $pidfile ]] || continue
		pid=$(<"$pidfile")
		if [[ $pid =~ ^[0-9]+$ ]] && [[ $(stat -c %U "/proc/$pid" 2>/dev/null) == "$TEST_USER" ]]; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
}

on_exit() {
	local rc=$?
	if [[ -n $STORE ]]; then
		cleanup_store "${CURRENT_BIN:-true}" || true
	fi
	rm -rf "$BENCH_TMP"
	exit "$rc"
}
trap on_exit EXIT

# pull_once ENGINE BIN sets LAST_TIME to the wall-clock seconds of one
# cold pull. No subshell: on failure the EXIT trap still sees STORE.
pull_once() {
	local engine=$1 bin=$2 t0 t1 log=$BENCH_TMP/$1.log
	STORE=$(mktemp -d "$BENCH_TMP/$engine-store.XXXXXX")
	chown "$TEST_USER:" "$STORE"
	RUNTIME=$(user_runtime_dir "$TEST_USER")
	t0=$EPOCHREALTIME
	if ! XDG_RUNTIME_DIR=$RUNTIME as_user "$TEST_USER" env SKIFF_PRIVATE_NAMESPACE=1 "$bin" \
		--root "$STORE/root" --runroot "$RUNTIME/runroot" "${DRIVER_FLAGS[@]}" \
		pull -q "$IMAGE" >"$log" 2>&1; then
		cat "$log" >&2
		die "$engine pull $IMAGE failed"
	fi
	t1=$EPOCHREALTIME
	cleanup_store "$bin"
	LAST_TIME=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }')
}

# stats prints "median min max" of the numbers on stdin.
stats() {
	sort -n | awk '{ v[NR] = $1 }
		END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f %.2f %.2f\n", m, v[1], v[NR]
		}'
}

# The engines take turns, run by run, and the page cache is flushed before each pull: otherwise whichever
# engine runs second pays for the write-back of the first one's layers.
declare -A BIN TIMES
ENGINES=()
for engine in ${BENCH_ENGINES:-podman skiff}; do
	bin=$(engine_bin "$engine")
	if [[ -z $bin ]]; then
		if [[ $engine == skiff ]]; then
			WARN "skiff: SKIFF is not set, skipping (SKIFF=/path/to/bin/skiff)"
		else
			WARN "$engine: not installed, skipping"
		fi
		continue
	fi
	BIN[$engine]=$bin
	ENGINES+=("$engine")
	INFO "$engine: $RUNS cold pulls of $IMAGE with $bin"
done
for ((i = 1; i <= RUNS; i++)); do
	for engine in "${ENGINES[@]}"; do
		CURRENT_BIN=${BIN[$engine]}
		sync
		pull_once "$engine" "$CURRENT_BIN"
		INFO "$engine: run $i: ${LAST_TIME}s"
		TIMES[$engine]+="$LAST_TIME "
	done
done
RESULTS=()
for engine in "${ENGINES[@]}"; do
	read -r median min max < <(printf '%s\n' ${TIMES[$engine]} | stats)
	RESULTS+=("$(printf '%-8s %5d %9s %9s %9s' "$engine" "$RUNS" "$median" "$min" "$max")")
done

((${#RESULTS[@]})) || die "no engine ran"
printf 'pull %s (cold, as %s, storage driver: %s)\n' "$IMAGE" "$TEST_USER" "${BENCH_STORAGE_DRIVER:-engine default}"
printf '%-8s %5s %9s %9s %9s\n' engine runs median_s min_s max_s
printf '%s\n' "${RESULTS[@]}"
