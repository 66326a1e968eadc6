#!/bin/bash
# bench-net.sh measures the throughput of rootless container networks with
# iperf3, skiff against podman in the same run, as the unprivileged test user.
# Run as root, after `hack/setup-host.sh` (the distro image has iperf3):
#
#   SKIFF=/path/to/bin/skiff bash hack/bench-net.sh [-n RUNS] [-t SECONDS]
#
# Measured (median of RUNS runs of SECONDS each, default 3 x 5 s; Gbit/s as
# the receiver counted it):
#   host->published  `iperf3 -s` in a container, published with
#                    -p 127.0.0.1:P:5201 and with -p P:5201; iperf3 -c on the
#                    host's 127.0.0.1 sends to it;
#   container->host  `iperf3 -c` in a container sends to `iperf3 -s` on the
#                    host, at the host's address (slirp4netns NATs it; pasta
#                    copies that address into the container, so pasta:--map-gw
#                    reaches the host through the gateway address instead).
# skiff runs its default network (slirp4netns, or containers.conf's), slirp4netns
# with port_handler=rootlesskit, and pasta; podman (--runtime runc) its default
# (slirp4netns with rootlessport). Goal (issue 4): skiff's default >= podman's
# in both directions; the summary names the fastest skiff mode and its margin.
# Each engine gets its own storage and runtime directory, removed at the end.
#
# Environment: SKIFF (skiff binary, default bin/skiff), BENCH_RUNS,
# BENCH_SECONDS, BENCH_DIR (default /var/tmp), BENCH_STORAGE_DRIVER (passed to
# both engines; default overlay), BENCH_PORT (first host port, default 18300).

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

RUNS=${BENCH_RUNS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
while (($#)); do
	case $1 in
	-n)
		[[ $# -ge 2 ]] || die "-n needs a number"
		RUNS=$2
		shift
		;;
	-t)
		[[ $# -ge 2 ]] || die "-t needs a number of seconds"
		SECONDS_PER_RUN=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument: $1"
		;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs must be a positive number, not '$RUNS'"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "seconds must be a positive number, not '$SECONDS_PER_RUN'"

bench_preflight
command -v iperf3 >/dev/null || die "iperf3 is not installed on the host (hack/setup-host.sh installs it)"
command -v jq >/dev/null || die "jq is not installed"
HOST_IP=$(ip -4 -o addr show scope global | awk '{ sub("/.*", "", $4); print $4; exit }')
GATEWAY=$(ip -4 route show default | awk '{ print $3; exit }')
[[ -n $HOST_IP ]] || die "the host has no global IPv4 address for the container->host test"

bench_workspace net

INFO "skiff $SKIFF, podman ${PODMAN:-none}; iperf3 $RUNS x ${SECONDS_PER_RUN}s per figure as $TEST_USER; host $HOST_IP, gateway ${GATEWAY:-none}"

cat >"$WORK/measure.sh" <<'EOF'
set -euo pipefail
RUNDIR=$1 WORK=$2 RUNS=$3 SECS=$4 IMAGE=$5 PODMAN=$6 HOST_IP=$7 GATEWAY=$8 PORT=$9 DRIVER=${10}
. "$WORK/engines.sh"

# gbits reads iperf3 -J output and prints the receiver's Gbit/s.
gbits() { jq -r '.end.sum_received.bits_per_second / 1e9 | . * 100 | round / 100'; }
# stats prints "median min max" of numbers on stdin.
stats() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}

# published ENGINE-NAME MODE-ARGS PUBLISH... : iperf3 -s in a container, the host's iperf3 -c through the port.
published() {
	local engine=$1 net=$2 spec=$3 i out
	local -n eng=$engine
	"${eng[@]}" rm -f bench-net >/dev/null 2>&1 || true
	"${eng[@]}" run -d --name bench-net $net -p "$spec" "$IMAGE" iperf3 -s -p 5201 >/dev/null
	# Ready when a one-second test gets through.
	for ((i = 0; i < 50; i++)); do
		iperf3 -c 127.0.0.1 -p "$PORT" -t 1 >/dev/null 2>&1 && break
		sleep 0.2
	done
	for ((i = 0; i < RUNS; i++)); do
		out=$(iperf3 -c 127.0.0.1 -p "$PORT" -t "$SECS" -J 2>/dev/null) && gbits <<<"$out" || echo "failed: $engine $net -p $spec" >&2
	done | stats
	"${eng[@]}" rm -f bench-net >/dev/null 2>&1
}

# to_host ENGINE-NAME MODE-ARGS TARGET: iperf3 -c in a container sends to iperf3 -s on the host.
to_host() {
	local engine=$1 net=$2 target=$3 i out
	local -n eng=$engine
	for ((i = 0; i < RUNS; i++)); do
		timeout $((SECS + 60)) iperf3 -s -p "$PORT" -1 >/dev/null 2>&1 &
		sleep 0.3
		out=$("${eng[@]}" run --rm $net "$IMAGE" iperf3 -c "$target" -p "$PORT" -t "$SECS" -J 2>/dev/null) && gbits <<<"$out" ||
			echo "failed: $engine $net -> $target" >&2
		wait 2>/dev/null || true
	done | stats
}

"${skiff[@]}" pull -q "$IMAGE" >/dev/null
[[ ${#podman[@]} -eq 0 ]] || "${podman[@]}" pull -q "$IMAGE" >/dev/null

printf '%-8s %-38s %-17s %6s %6s %6s\n' engine network direction median min max
row() { printf '%-8s %-38s %-17s %6s %6s %6s\n' "$1" "$2" "$3" $4; }
declare -A R
measure() { # measure KEY ENGINE NETLABEL DIRECTION FUNC ARGS...
	local key=$1 engine=$2 label=$3 dir=$4
	shift 4
	local s
	s=$("$@")
	R[$key]=${s%% *}
	row "$engine" "$label" "$dir" "$s"
}

measure skiff_lo skiff "default, -p 127.0.0.1:P" host-\>published published skiff "" "127.0.0.1:$PORT:5201"
measure skiff_any skiff "default, -p P" host-\>published published skiff "" "$PORT:5201"
measure skiff_rk_lo skiff "port_handler=rootlesskit, 127.0.0.1:P" host-\>published published skiff "--network slirp4netns:port_handler=rootlesskit" "127.0.0.1:$PORT:5201"
measure skiff_pasta_lo skiff "pasta, -p 127.0.0.1:P" host-\>published published skiff "--network pasta" "127.0.0.1:$PORT:5201"
measure skiff_pasta_any skiff "pasta, -p P" host-\>published published skiff "--network pasta" "$PORT:5201"
measure skiff_out skiff "default -> $HOST_IP" container-\>host to_host skiff "" "$HOST_IP"
if [[ -n $GATEWAY ]]; then
	measure skiff_pasta_out skiff "pasta:--map-gw -> $GATEWAY" container-\>host to_host skiff "--network pasta:--map-gw" "$GATEWAY"
fi
if [[ ${#podman[@]} -gt 0 ]]; then
	measure podman_lo podman "default, -p 127.0.0.1:P" host-\>published published podman "" "127.0.0.1:$PORT:5201"
	measure podman_any podman "default, -p P" host-\>published published podman "" "$PORT:5201"
	measure podman_out podman "default -> $HOST_IP" container-\>host to_host podman "" "$HOST_IP"
fi

# The summary: skiff's default against podman's default, and the fastest skiff mode in each direction.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == "-" || b == 0 || a == "-") print "-"; else printf "%.2fx", a / b }'; }
best() { # best KEY... prints "KEY VALUE" of the largest
	local k bk="" bv=0
	for k in "$@"; do
		[[ -n ${R[$k]:-} && ${R[$k]} != - ]] || continue
		if awk -v a="${R[$k]}" -v b="$bv" 'BEGIN { exit !(a > b) }'; then bk=$k bv=${R[$k]}; fi
	done
	echo "$bk $bv"
}
echo
if [[ ${#podman[@]} -gt 0 ]]; then
	printf 'host->published 127.0.0.1:P: skiff default %s, podman %s: %s (goal >= 1.00x)\n' "${R[skiff_lo]}" "${R[podman_lo]}" "$(ratio "${R[skiff_lo]}" "${R[podman_lo]}")"
	printf 'host->published P:           skiff default %s, podman %s: %s (goal >= 1.00x)\n' "${R[skiff_any]}" "${R[podman_any]}" "$(ratio "${R[skiff_any]}" "${R[podman_any]}")"
	printf 'container->host:             skiff default %s, podman %s: %s (goal >= 1.00x)\n' "${R[skiff_out]}" "${R[podman_out]}" "$(ratio "${R[skiff_out]}" "${R[podman_out]}")"
	read -r k v <<<"$(best skiff_lo skiff_any skiff_rk_lo skiff_pasta_lo skiff_pasta_any)"
	printf 'fastest skiff mode, host->published: %s (%s Gbit/s, %s podman'"'"'s best)\n' "$k" "$v" \
		"$(ratio "$v" "$(best podman_lo podman_any | cut -d' ' -f2)")"
	read -r k v <<<"$(best skiff_out skiff_pasta_out)"
	printf 'fastest skiff mode, container->host: %s (%s Gbit/s, %s podman)\n' "$k" "$v" "$(ratio "$v" "${R[podman_out]}")"
fi
EOF
XDG_RUNTIME_DIR=$RUNDIR as_user "$TEST_USER" bash "$WORK/measure.sh" "$RUNDIR" "$WORK" "$RUNS" "$SECONDS_PER_RUN" \
	"$IMAGE_DISTRO" "$PODMAN" "$HOST_IP" "$GATEWAY" "${BENCH_PORT:-18300}" "${BENCH_STORAGE_DRIVER:-overlay}" </dev/null
