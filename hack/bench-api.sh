#!/bin/bash
# bench-api.sh measures the Docker API with the real docker CLI (28.x), as the
# unprivileged test user. Run as root, after `hack/setup-host.sh`:
#
#   SKIFF=/path/to/bin/skiff bash hack/bench-api.sh [-n RUNS]
#
# Measured with hyperfine (RUNS runs each, default 10, after warm-up):
#   run    `docker run --rm busybox true` through `skiff system service`
#          against the same through `podman system service` (--runtime runc);
#          goal (issue 14): skiff <= 0.5x podman;
#   cold   the first request (`docker ps`) through socket activation: the
#          socket is held by systemd-socket-activate, which starts
#          `skiff system service` on the first connection, as skiff.socket
#          does, against
#   warm   the same request to a service that runs already.
# Each engine gets its own storage and runtime directory, removed at the end.
#
# Environment: SKIFF (skiff binary, default bin/skiff), BENCH_RUNS,
# BENCH_DIR (default /var/tmp).

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_runs_args 10 "$@" # sets RUNS

bench_preflight
command -v docker >/dev/null || die "the docker CLI is missing (the machine image has docker 28.x)"
command -v hyperfine >/dev/null || die "hyperfine is missing: run hack/setup-host.sh"
command -v systemd-socket-activate >/dev/null || die "systemd-socket-activate is missing (Debian's systemd): run hack/setup-host.sh"
bench_workspace api
[[ -n $PODMAN ]] || die "podman is missing: run hack/setup-host.sh"

INFO "skiff $SKIFF, podman $PODMAN; $RUNS runs each as $TEST_USER"

cat >"$WORK/measure.sh" <<'EOF'
set -euo pipefail
RUNDIR=$1 WORK=$2 RUNS=$3 IMAGE=$4 PODMAN=$5
DRIVER=overlay # both engines on the same driver (podman 4.3 without a storage.conf would take vfs)
. "$WORK/engines.sh"
export DOCKER_CONFIG=$WORK/docker-config # the clients' own configuration, no credentials
mkdir -p "$DOCKER_CONFIG"
echo '{}' >"$DOCKER_CONFIG/config.json"

# serve NAME ENGINE... starts ENGINE's API service on $WORK/NAME.sock and waits for it.
serve() {
	local name=$1 sock=$WORK/$1.sock i
	shift
	"$@" system service --time 0 "unix://$sock" >"$WORK/$name.log" 2>&1 &
	echo $! >"$WORK/$name.pid"
	for ((i = 0; i < 200; i++)); do
		DOCKER_HOST=unix://$sock docker version >/dev/null 2>&1 && return
		sleep 0.05
	done
	cat "$WORK/$name.log" >&2
	echo "$name: no API on $sock after 10s" >&2
	exit 1
}

"${skiff[@]}" pull -q "$IMAGE" >/dev/null
"${podman[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null
serve skiff "${skiff[@]}"
serve podman "${podman[@]}"

hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-json "$WORK/run.json" \
	-n skiff "env DOCKER_HOST=unix://$WORK/skiff.sock docker run --rm $IMAGE true" \
	-n podman "env DOCKER_HOST=unix://$WORK/podman.sock docker run --rm $IMAGE true" >&2
hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-json "$WORK/warm.json" \
	-n warm "env DOCKER_HOST=unix://$WORK/skiff.sock docker ps" >&2
kill "$(<"$WORK/skiff.pid")" "$(<"$WORK/podman.pid")"

# arm.sh puts a fresh socket in place whose first connection starts the service (socket activation).
cat >"$WORK/arm.sh" <<ARM
set -eu
[ -f "$WORK/act.pid" ] && kill "\$(cat "$WORK/act.pid")" 2>/dev/null && while kill -0 "\$(cat "$WORK/act.pid")" 2>/dev/null; do sleep 0.01; done
rm -f "$WORK/act.sock"
setsid ${skiff[0]} ${skiff[1]} ${skiff[2]} systemd-socket-activate -l "$WORK/act.sock" \
	${skiff[*]:3} system service --time 0 </dev/null >>"$WORK/act.log" 2>&1 &
echo \$! >"$WORK/act.pid"
while [ ! -S "$WORK/act.sock" ]; do sleep 0.01; done
ARM
hyperfine -N --style basic --runs "$RUNS" --prepare "bash $WORK/arm.sh" --export-json "$WORK/cold.json" \
	-n cold "env DOCKER_HOST=unix://$WORK/act.sock docker ps" >&2
[ -f "$WORK/act.pid" ] && kill "$(<"$WORK/act.pid")" 2>/dev/null || true
EOF
chmod 0644 "$WORK/measure.sh"

XDG_RUNTIME_DIR=$RUNDIR as_user "$TEST_USER" bash "$WORK/measure.sh" "$RUNDIR" "$WORK" "$RUNS" "$IMAGE_BUSYBOX" "$PODMAN"

# median NAME FILE prints the median in ms of hyperfine's result NAME.
median() {
	jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000 | . * 10 | round / 10' "$2"
}
run_s=$(median skiff "$WORK/run.json")
run_p=$(median podman "$WORK/run.json")
warm=$(median warm "$WORK/warm.json")
cold=$(median cold "$WORK/cold.json")
printf 'Docker API as %s (docker CLI %s), median of %d runs, ms\n' "$TEST_USER" "$(docker version --format '{{.Client.Version}}' 2>/dev/null)" "$RUNS"
printf '%-44s %9s %9s %7s %s\n' what skiff podman ratio goal
printf '%-44s %9s %9s %7s %s\n' "docker run --rm busybox true" "$run_s" "$run_p" \
	"$(awk -v a="$run_s" -v b="$run_p" 'BEGIN { printf "%.2fx", a / b }')" "<= 0.5x"
printf '%-44s %9s %9s %7s\n' "docker ps, service running (warm)" "$warm" - -
printf '%-44s %9s %9s %7s\n' "docker ps, first through socket activation" "$cold" - \
	"$(awk -v a="$cold" -v b="$warm" 'BEGIN { printf "%.2fx", a / b }')"
