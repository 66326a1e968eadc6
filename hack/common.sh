# shellcheck shell=bash
# Shared preamble for hack/ scripts. Source it first:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
# It turns on strict mode, defines INFO/WARN/ERROR, and holds the test bed's
# constants. Every constant can be overridden from the environment.

set -euo pipefail

# Logging goes to stderr so that stdout stays clean for data.
INFO() { printf '\e[104m\e[97m[INFO]\e[49m\e[39m %s\n' "$*" >&2; }
WARN() { printf '\e[103m\e[30m[WARN]\e[49m\e[39m %s\n' "$*" >&2; }
ERROR() { printf '\e[101m\e[97m[ERROR]\e[49m\e[39m %s\n' "$*" >&2; }
# Plain output when stderr is not a terminal (CI logs, files).
if [[ ! -t 2 ]]; then
	INFO() { printf '[INFO] %s\n' "$*" >&2; }
	WARN() { printf '[WARN] %s\n' "$*" >&2; }
	ERROR() { printf '[ERROR] %s\n' "$*" >&2; }
fi

# die prints an error and exits non-zero.
die() {
	ERROR "$*"
	exit 1
}

# require_root exits unless the script runs as root.
require_root() {
	[[ $(id -u) -eq 0 ]] || die "${0##*/} must run as root"
}

HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HACK_DIR/.." && pwd)
export HACK_DIR REPO_ROOT

# Test users.
: "${TEST_USER:=skiff-test}"   # has subuid/subgid 100000:65536
: "${NOSUB_USER:=skiff-nosub}" # has no subuid/subgid entry
: "${SUBID_START:=100000}"
: "${SUBID_COUNT:=65536}"

# Local registry (Debian's docker-registry, plain HTTP).
: "${REGISTRY:=127.0.0.1:5000}"
: "${REGISTRY_NAME:=localhost:5000}" # the name images are referred to by
: "${REGISTRY_DIR:=/var/tmp/skiff-registry}"

# Test images, as clients name them.
: "${IMAGE_BUSYBOX:=$REGISTRY_NAME/busybox:latest}"
: "${IMAGE_LAYERS:=$REGISTRY_NAME/layers:1}"
: "${IMAGE_DISTRO:=$REGISTRY_NAME/distro:bookworm}"

# Image build cache (OCI layouts, debootstrap rootfs, mkimage binary).
: "${IMAGES_DIR:=/var/tmp/skiff-images}"

# Shared read-only image store: $TEST_USER fills it (skiff image export-store), $NOSUB_USER runs from it.
: "${SHARED_STORE:=/var/tmp/skiff-shared-store.$TEST_USER}"

# Build tags every skiff binary needs (see shared/reference/libs.md §7).
: "${GO_BUILD_TAGS:=exclude_graphdriver_btrfs containers_image_openpgp}"

export TEST_USER NOSUB_USER REGISTRY REGISTRY_NAME REGISTRY_DIR \
	IMAGE_BUSYBOX IMAGE_LAYERS IMAGE_DISTRO IMAGES_DIR GO_BUILD_TAGS SHARED_STORE

# as_user USER CMD... runs CMD as USER in / with a clean login-ish
# environment. XDG_RUNTIME_DIR is passed through only when set by the caller.
as_user() {
	local user=$1
	shift
	local home
	home=$(getent passwd "$user" | cut -d: -f6)
	(
		cd /
		exec runuser -u "$user" -- env -i \
			HOME="$home" USER="$user" LOGNAME="$user" \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			${XDG_RUNTIME_DIR:+XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR"} \
			"$@"
	)
}

# user_runtime_dir USER creates a private 0700 runtime directory owned by
# USER and prints its path. The caller removes it.
user_runtime_dir() {
	local user=$1 dir
	dir=$(mktemp -d "/tmp/skiff-run-$user.XXXXXX")
	chown "$user:" "$dir"
	chmod 0700 "$dir"
	printf '%s\n' "$dir"
}

# bench_preflight checks what every benchmark needs (root, the test user, the registry) and sets SKIFF
# bench_runs_args DEFAULT ARGS... parses the arguments of a bench script that takes only -n RUNS (the
# number of runs, DEFAULT or $BENCH_RUNS without it) and -h, which prints the comment block at the top of
# the script; it sets RUNS.
bench_runs_args() {
	local script=${BASH_SOURCE[1]}
	RUNS=${BENCH_RUNS:-$1}
	shift
	while (($#)); do
		case $1 in
		-n)
			[[ $# -ge 2 ]] || die "-n needs a number"
			RUNS=$2
			shift
			;;
		-h | --help)
			sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$script"
			exit 0
			;;
		*)
			sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$script" >&2
			die "unknown argument: $1"
			;;
		esac
		shift
	done
	[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs must be a positive number, not '$RUNS'"
}

# to the binary under test ($SKIFF, else bin/skiff).
bench_preflight() {
	require_root
	getent passwd "$TEST_USER" >/dev/null || die "no user $TEST_USER: run hack/setup-host.sh first"
	registry_up || die "no registry on $REGISTRY: run hack/setup-host.sh first"
	SKIFF=$(realpath "${SKIFF:-$REPO_ROOT/bin/skiff}")
	[[ -x $SKIFF ]] || die "skiff binary $SKIFF missing: run make build or set SKIFF"
}

# install_skiff DIR installs $SKIFF into DIR as DIR/skiff, with the helper executables found next to it
# (skiff looks for them next to its own binary).
install_skiff() {
	local dir=$1 helper
	install -m 0755 "$SKIFF" "$dir/skiff"
	for helper in skiff-netkeeper skiff-build; do
		if [[ -x $(dirname "$SKIFF")/$helper ]]; then
			install -m 0755 "$(dirname "$SKIFF")/$helper" "$dir/$helper"
		fi
	done
}

# bench_workspace NAME makes a benchmark's work directory WORK (skiff and its helpers installed, and
# bench-engines.sh, which the measurement scripts source; owned by the test user) and the test user's
# runtime directory RUNDIR, and sets PODMAN (empty without podman). When the script exits, both engines'
# containers, storage and pause processes go, then both directories.
bench_workspace() {
	PODMAN=$(command -v podman || true)
	WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/skiff-bench-$1.XXXXXX")
	chmod 0755 "$WORK"
	install_skiff "$WORK"
	install -m 0644 "$HACK_DIR/bench-engines.sh" "$WORK/engines.sh"
	chown "$TEST_USER:" "$WORK"
	RUNDIR=$(user_runtime_dir "$TEST_USER")
	trap bench_cleanup EXIT
}

bench_cleanup() {
	local rc=$?
	XDG_RUNTIME_DIR=$RUNDIR as_user "$TEST_USER" bash -c '
		RUNDIR=$1 WORK=$2 PODMAN=$3 DRIVER=
		pkill -u "$(id -u)" -x iperf3 2>/dev/null
		. "$WORK/engines.sh"
		"${skiff[@]}" rm -f -a >/dev/null 2>&1
		"${skiff[@]}" unshare rm -rf "$WORK/skiff-root" "$WORK/bundle" >/dev/null 2>&1
		if [[ ${#podman[@]} -gt 0 ]]; then
			"${podman[@]}" rm -f -a >/dev/null 2>&1
			"${podman[@]}" unshare rm -rf "$WORK/podman-root" >/dev/null 2>&1
			[[ -f $RUNDIR/podman-xdg/libpod/tmp/pause.pid ]] && kill "$(<"$RUNDIR/podman-xdg/libpod/tmp/pause.pid")" 2>/dev/null
		fi
		[[ -f $RUNDIR/skiff-xdg/skiff/pause.pid ]] && kill -9 "$(<"$RUNDIR/skiff-xdg/skiff/pause.pid")" 2>/dev/null
		true' _ "$RUNDIR" "$WORK" "$PODMAN" || true
	rm -rf "$WORK" "$RUNDIR"
	exit "$rc"
}

# registry_up succeeds when the registry answers on /v2/.
registry_up() {
	curl -fsS -m 2 -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null
}

# elapsed_since T prints the seconds since T (an $EPOCHREALTIME value).
elapsed_since() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs\n", b - a }'
}

# cgroup2_root prints where the cgroup2 hierarchy that systemd tracks
# processes in is mounted: /sys/fs/cgroup (unified) or
# /sys/fs/cgroup/unified (hybrid, as on the project's test machines).
cgroup2_root() {
	if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
		echo /sys/fs/cgroup
	else
		echo /sys/fs/cgroup/unified
	fi
}

# user_session_cgroup USER prints USER's stand-in for a logind session scope.
user_session_cgroup() {
	printf '%s/user.slice/user-%s.slice/session-skiff.scope\n' "$(cgroup2_root)" "$(id -u "$1")"
}

# as_user_session USER CMD... runs CMD as USER the way a login session
# would on a systemd host: in the session cgroup that
# `setup-host.sh --systemd-user` delegates, with XDG_RUNTIME_DIR=/run/user/UID
# and the user bus, so that `systemctl --user` and `systemd-run --user
# --scope` work (a scope needs its caller in a cgroup the user may move).
as_user_session() {
	local user=$1 uid cg
	uid=$(id -u "$user")
	cg=$(user_session_cgroup "$user")
	[[ -e $cg/cgroup.procs ]] || die "no session cgroup $cg: run hack/setup-host.sh --systemd-user"
	(
		echo "$BASHPID" >"$cg/cgroup.procs"
		XDG_RUNTIME_DIR=/run/user/$uid
		as_user "$1" env DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" "${@:2}"
	)
}
