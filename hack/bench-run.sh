#!/bin/bash
# bench-run.sh compares container start-up, exec and monitor memory of skiff
# with podman and with the bare OCI runtime, as the unprivileged test user.
# Run as root, after `hack/setup-host.sh`:
#
#   SKIFF=/path/to/bin/skiff bash hack/bench-run.sh [-n RUNS]
#
# Measured (median of RUNS, default 10, after one warm-up each):
#   run     `ENGINE run --rm IMAGE true`, for skiff, podman (--runtime runc)
#           and the bare runtime (`crun run`, and `runc run`, of the same
#           busybox rootfs with a minimal config, inside `skiff unshare`);
#   version `ENGINE version`: the cost of starting the engine's process;
#   answer  `ENGINE run -d -p` of busybox httpd until it answers over HTTP;
#   helpers RSS of the processes serving a container with -p (monitor and
#           network helpers);
#   phases  skiff's run by phase (SKIFF_TRACE=1);
#   exec    `ENGINE exec CONTAINER true` into a running container;
#   rss     RSS of the per-container monitor of a detached `sleep`
#           container: skiff's monitor against podman's conmon;
#   conc    wall time of 50 concurrent `ENGINE run --rm IMAGE true`, and
#           how many of them failed.
# Each engine gets its own storage and runtime directory, removed at the end.
# Goals (issue 18) are printed beside each row.
#
# Environment: SKIFF (skiff binary, default bin/skiff), BENCH_RUNS,
# BENCH_DIR (default /var/tmp), RUNC (default: runc from PATH or /usr/sbin).

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_runs_args 10 "$@" # sets RUNS

bench_preflight
RUNC=${RUNC:-$(PATH=$PATH:/usr/sbin command -v runc || true)}
[[ -x $RUNC ]] || die "runc not found (set RUNC)"

bench_workspace run

INFO "skiff $SKIFF, podman ${PODMAN:-none}, runc $RUNC; $RUNS runs each as $TEST_USER"

# The measurements run in one shell as the test user, so that starting it is not measured.
cat >"$WORK/measure.sh" <<'EOF'
set -euo pipefail
RUNDIR=$1 WORK=$2 RUNS=$3 IMAGE=$4 RUNC=$5 PODMAN=$6
DRIVER=overlay # both engines on the same driver (podman 4.3 without a storage.conf would take vfs)
. "$WORK/engines.sh"

# ms CMD... prints the wall-clock milliseconds CMD took; it must succeed.
ms() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null 2>"$WORK/err" || { echo "failed: $*" >&2; cat "$WORK/err" >&2; exit 1; }
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
# median_of CMD... runs CMD once to warm up, then RUNS times, and prints the median in ms.
median_of() {
	local i
	"$@" >/dev/null 2>&1 || true
	for ((i = 0; i < RUNS; i++)); do ms "$@"; done | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# concurrent CMD... starts 50 CMD at once and prints the wall-clock ms until all ended, and the failures.
concurrent() {
	local t0=$EPOCHREALTIME i fails=0 pids=()
	for ((i = 0; i < 50; i++)); do
		"$@" >/dev/null 2>>"$WORK/concurrent.err" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	awk -v a="$t0" -v b="$EPOCHREALTIME" -v f="$fails" 'BEGIN { printf "%.0f %d\n", (b - a) * 1000, f }'
}

"${skiff[@]}" pull -q "$IMAGE" >/dev/null
[[ ${#podman[@]} -eq 0 ]] || "${podman[@]}" pull -q "$IMAGE" >/dev/null

# The bare runtime: busybox's rootfs, exported by skiff, with runc's own minimal config (no user
# namespace: it runs inside skiff's, as skiff's containers do).
"${skiff[@]}" create --name bench-rootfs "$IMAGE" true >/dev/null
"${skiff[@]}" export -o "$WORK/rootfs.tar" bench-rootfs
"${skiff[@]}" unshare sh -c '
	set -e
	mkdir -p "$1/bundle/rootfs"
	tar -x -C "$1/bundle/rootfs" -f "$1/rootfs.tar"
	cd "$1/bundle"
	"$2" spec
	jq ".process.args = [\"true\"] | .process.terminal = false | del(.linux.resources)" config.json >c && mv c config.json
' _ "$WORK" "$RUNC"
rm -f "$WORK/rootfs.tar"
# bare RUNTIME... prints the median ms of `RUNTIME run` of the bundle, inside skiff's namespace. crun runs
# as skiff's monitor runs it on a hybrid-cgroup host: in a mount namespace that hides the cgroup2
# hierarchy, with cgroups disabled (see runtime/oci.Runtime.HidesCgroup2).
bare() {
	"${skiff[@]}" unshare unshare -m --propagation slave bash -c '
		RUNS=$1 B=$2
		shift 2
		if [[ $(stat -fc %T /sys/fs/cgroup) == tmpfs && $(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
			mount -t tmpfs -o ro,size=4k skiff-no-cgroup2 /sys/fs/cgroup/unified
		fi
		for ((i = 0; i <= RUNS; i++)); do
			t0=$EPOCHREALTIME
			"$@" run -b "$B" "bench$i" >/dev/null 2>&1 || { echo "$* run failed" >&2; exit 1; }
			t1=$EPOCHREALTIME
			((i == 0)) || awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.1f\n\", (b - a) * 1000 }"
		done | sort -n | awk "{ v[NR] = \$1 } END { printf \"%.1f\n\", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }"
	' _ "$RUNS" "$WORK/bundle" "$@"
}
bare_runc=$(bare "$RUNC" --root "$WORK/bundle/runc-state")
bare=-
if CRUN=$(PATH=$PATH:/usr/sbin command -v crun); then
	bare=$(bare "$CRUN" --cgroup-manager=disabled --root "$WORK/bundle/crun-state")
fi

# until_answers RMFLAGS ENGINE... prints the ms from `run -d -p` of busybox httpd until it answers over
# HTTP; `rm RMFLAGS` removes the container at once (skiff's rm -f kills at once, podman's needs -t 0).
port=18400
until_answers() {
	local t0 i rmflags=$1
	shift
	for ((i = 0; i <= RUNS; i++)); do
		port=$((port + 1))
		t0=$EPOCHREALTIME
		"$@" run -d --name bench-web -p "127.0.0.1:$port:80" "$IMAGE" httpd -f -p 80 -h /etc >/dev/null
		until curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$port/hostname" 2>/dev/null; do sleep 0.002; done
		((i == 0)) || awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
		# shellcheck disable=SC2086 # RMFLAGS are words
		"$@" rm $rmflags bench-web >/dev/null
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# helper_rss PAUSEPID prints the kB of resident memory of the processes that serve containers in the
# engine's namespace (monitors, network and port helpers): those in the pause process's user and PID
# namespaces, the pause process itself excepted (containers have PID namespaces of their own).
helper_rss() {
	local pause=$1 userns pidns p total=0 kb
	userns=$(readlink "/proc/$pause/ns/user") pidns=$(readlink "/proc/$pause/ns/pid")
	for p in /proc/[0-9]*; do
		[[ ${p#/proc/} != "$pause" && $(readlink "$p/ns/user" 2>/dev/null) == "$userns" && $(readlink "$p/ns/pid" 2>/dev/null) == "$pidns" ]] || continue
		kb=$(awk '/^VmRSS:/ { print $2 }' "$p/status" 2>/dev/null) && total=$((total + ${kb:-0}))
	done
	echo "$total"
}
skiff_pause=$(cat "$RUNDIR/skiff-xdg/skiff/pause.pid")
podman_pause() { cat "$RUNDIR/podman-xdg/libpod/tmp/pause.pid"; }

skiff_version=$(median_of "${skiff[@]}" version)
skiff_run=$(median_of "${skiff[@]}" run --rm "$IMAGE" true)
skiff_answer=$(until_answers "-f" "${skiff[@]}")
"${skiff[@]}" run -d --name bench-web -p "127.0.0.1:18399:80" "$IMAGE" httpd -f -p 80 -h /etc >/dev/null
skiff_helpers=$(helper_rss "$skiff_pause")
"${skiff[@]}" rm -f bench-web >/dev/null
"${skiff[@]}" run -d --name bench-exec "$IMAGE" sleep 1000 >/dev/null
skiff_exec=$(median_of "${skiff[@]}" exec bench-exec true)
skiff_rss=$(rss_kb "$("${skiff[@]}" inspect --format '{{.State.ConmonPid}}' bench-exec)")
read -r skiff_conc skiff_conc_err < <(concurrent "${skiff[@]}" run --rm "$IMAGE" true)

podman_run=- podman_exec=- conmon_rss=- podman_conc=- podman_conc_err=- podman_version=- podman_answer=- podman_helpers=-
if [[ ${#podman[@]} -gt 0 ]]; then
	podman_version=$(median_of "${podman[@]}" version)
	podman_run=$(median_of "${podman[@]}" run --rm "$IMAGE" true)
	podman_answer=$(until_answers "-f -t 0" "${podman[@]}")
	"${podman[@]}" run -d --name bench-web -p "127.0.0.1:18398:80" "$IMAGE" httpd -f -p 80 -h /etc >/dev/null
	podman_helpers=$(helper_rss "$(podman_pause)")
	"${podman[@]}" rm -f -t 0 bench-web >/dev/null
	"${podman[@]}" run -d --name bench-exec "$IMAGE" sleep 1000 >/dev/null
	podman_exec=$(median_of "${podman[@]}" exec bench-exec true)
	conmon_rss=$(rss_kb "$("${podman[@]}" inspect --format '{{.State.ConmonPid}}' bench-exec)")
	read -r podman_conc podman_conc_err < <(concurrent "${podman[@]}" run --rm "$IMAGE" true)
fi

# Where skiff's run goes: SKIFF_TRACE=1 phases, each the mean over RUNS runs.
for ((i = 0; i < RUNS; i++)); do
	SKIFF_TRACE=1 "${skiff[@]}" run --rm "$IMAGE" true 2>&1 >/dev/null | sed -n 's/^  \(.*[^ ]\) \+\([0-9.]\+\) ms$/\1\t\2/p'
done >"$WORK/phases"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx\n", a / b }'; }
row() { # NAME SKIFF PODMAN BARE GOALS
	printf '%-40s %9s %9s %9s  %7s %7s  %s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$3")" "$(ratio "$2" "$4")" "$5"
}
printf '%-40s %9s %9s %9s  %7s %7s  %s\n' measurement skiff podman bare /podman /bare goals
row "run --rm busybox true (ms)" "$skiff_run" "$podman_run" "$bare" "<=0.30x podman, <=2.50x bare crun (runc bare: $bare_runc)"
row "skiff version: process start (ms)" "$skiff_version" "$podman_version" - "<=5 ms"
row "exec true (ms)" "$skiff_exec" "$podman_exec" - "<=0.15x"
row "run -d -p httpd until it answers (ms)" "$skiff_answer" "$podman_answer" - "<=0.30x"
row "50 concurrent run --rm, wall (ms)" "$skiff_conc" "$podman_conc" - "<=0.30x"
row "50 concurrent run --rm, errors" "$skiff_conc_err" "$podman_conc_err" - "0 for both"
row "helper RSS of a container with -p (kB)" "$skiff_helpers" "$podman_helpers" - "<=0.30x"
row "monitor RSS, detached sleep (kB)" "$skiff_rss" "$conmon_rss" - "<=1.00x"
if [[ -s $WORK/concurrent.err ]]; then
	echo "errors of the concurrent runs:" >&2
	sort "$WORK/concurrent.err" | uniq -c | sort -rn | head -n 5 >&2
fi
echo
echo "skiff run --rm busybox true, by phase (SKIFF_TRACE=1, mean of $RUNS runs, ms):"
awk -F'\t' '{ if (!($1 in sum)) order[n++] = $1; sum[$1] += $2; cnt[$1]++ }
	END { for (i = 0; i < n; i++) printf "  %-44s %8.2f\n", order[i], sum[order[i]] / cnt[order[i]] }' "$WORK/phases"
EOF
XDG_RUNTIME_DIR=$RUNDIR as_user "$TEST_USER" bash "$WORK/measure.sh" "$RUNDIR" "$WORK" "$RUNS" "$IMAGE_BUSYBOX" "$RUNC" "$PODMAN" </dev/null
