#!/bin/bash
# bench-scale.sh measures how skiff's and podman's `ps -a`, `inspect` and
# `run --rm` grow with the number of containers, as the unprivileged test
# user. Run as root, after `hack/setup-host.sh`:
#
#   SKIFF=/path/to/bin/skiff bash hack/bench-scale.sh [-n RUNS] [-c COUNT]
#
# For each engine (its own storage and runtime directory): the median of RUNS
# (default 5) of each command with no other container, then again with COUNT
# (default 500) created containers. Goal (issue 18): with COUNT containers each
# command costs <= 1.2x what it costs with none, and <= 0.3x podman.
#
# Environment: SKIFF, BENCH_RUNS, BENCH_COUNT, BENCH_DIR (default /var/tmp).

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${BENCH_RUNS:-5}
COUNT=${BENCH_COUNT:-500}
while (($#)); do
	case $1 in
	-n | -c)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive number"
		if [[ $1 == -n ]]; then RUNS=$2; else COUNT=$2; fi
		shift
		;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) die "unknown argument: $1" ;;
	esac
	shift
done

bench_preflight
bench_workspace scale

INFO "skiff $SKIFF, podman ${PODMAN:-none}; $RUNS runs each, $COUNT containers, as $TEST_USER"

cat >"$WORK/measure.sh" <<'SCRIPT'
set -euo pipefail
RUNDIR=$1 WORK=$2 RUNS=$3 COUNT=$4 IMAGE=$5 PODMAN=$6
DRIVER=overlay # both engines on the same driver (podman 4.3 without a storage.conf would take vfs)
. "$WORK/engines.sh"
median_of() {
	local i t0
	"$@" >/dev/null 2>&1 || true
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>"$WORK/err" || { echo "failed: $*" >&2; cat "$WORK/err" >&2; exit 1; }
		awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# measure ENGINE... prints "ps inspect run" medians.
measure() {
	printf '%s %s %s\n' "$(median_of "$@" ps -a)" "$(median_of "$@" inspect bench-probe)" "$(median_of "$@" run --rm "$IMAGE" true)"
}
# fill ENGINE... creates COUNT containers, four at a time.
fill() {
	seq "$COUNT" | xargs -P 4 -I{} "$@" create --name "bench-scale-{}" "$IMAGE" true >/dev/null
}
declare -A res
for engine in skiff podman; do
	declare -n cmd=$engine
	[[ ${#cmd[@]} -gt 0 ]] || continue
	"${cmd[@]}" pull -q "$IMAGE" >/dev/null
	"${cmd[@]}" create --name bench-probe "$IMAGE" true >/dev/null
	res[$engine,0]=$(measure "${cmd[@]}")
	fill "${cmd[@]}"
	res[$engine,n]=$(measure "${cmd[@]}")
	"${cmd[@]}" rm -f -a >/dev/null
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx\n", a / b }'; }
printf '%-26s %10s %10s %10s %10s  %9s %9s  %s\n' "measurement (ms)" "skiff 0" "skiff $COUNT" "podman 0" "podman $COUNT" "skiff n/0" "/podman" "goals"
i=0
for what in "ps -a" "inspect" "run --rm busybox true"; do
	i=$((i + 1))
	s0=$(cut -d' ' -f$i <<<"${res[skiff,0]}") sn=$(cut -d' ' -f$i <<<"${res[skiff,n]}")
	p0=- pn=-
	if [[ -n ${res[podman,0]:-} ]]; then
		p0=$(cut -d' ' -f$i <<<"${res[podman,0]}") pn=$(cut -d' ' -f$i <<<"${res[podman,n]}")
	fi
	printf '%-26s %10s %10s %10s %10s  %9s %9s  %s\n' "$what" "$s0" "$sn" "$p0" "$pn" "$(ratio "$sn" "$s0")" "$(ratio "$sn" "$pn")" "<=1.20x flat, <=0.30x podman"
done
SCRIPT
XDG_RUNTIME_DIR=$RUNDIR as_user "$TEST_USER" bash "$WORK/measure.sh" "$RUNDIR" "$WORK" "$RUNS" "$COUNT" "$IMAGE_BUSYBOX" "$PODMAN" </dev/null
