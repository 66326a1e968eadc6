#!/usr/bin/env bash
# bench-build.sh: skiff against podman for issue 12, as the unprivileged test user, engines taking turns
# run by run, each on storage of its own:
#   - build of a multi-stage Dockerfile (the e2e acceptance one) cold (--no-cache) and fully cached;
#   - save of the distro image to a docker-archive, then rmi and load of it.
# Prints one row per measurement and engine: runs, median, min and max wall-clock seconds.
#
#   SKIFF=/path/to/bin/skiff bash hack/bench-build.sh [-n RUNS]
#
# Environment: SKIFF (default bin/skiff; bin/skiff-build must sit next to it), BENCH_RUNS (default 5),
# BENCH_STORAGE_DRIVER (default overlay, for both engines). Podman builds with --runtime runc (crun 1.8.1
# cannot start containers on this host's hybrid cgroups).

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${BENCH_RUNS:-5}
if [[ ${1:-} == -n ]]; then
	RUNS=${2:?-n needs a number}
fi
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs must be a positive number, not '$RUNS'"
bench_preflight
[[ -x $(dirname "$SKIFF")/skiff-build ]] || die "$(dirname "$SKIFF")/skiff-build missing: run make build"
command -v podman >/dev/null || die "podman missing: run hack/setup-host.sh"
DRIVER=${BENCH_STORAGE_DRIVER:-overlay}

TMP=$(mktemp -d /var/tmp/skiff-bench-build.XXXXXX)
chmod 0755 "$TMP"
RUNTIME=$(user_runtime_dir "$TEST_USER")
cleanup() {
	local rc=$?
	for e in skiff podman; do
		[[ -d $TMP/$e ]] || continue
		XDG_RUNTIME_DIR=$RUNTIME as_user "$TEST_USER" "$(bin "$e")" "${FLAGS[@]}" --root "$TMP/$e/root" \
			--runroot "$RUNTIME/runroot-$e" unshare rm -rf "$TMP/$e/root" "$RUNTIME/runroot-$e" >/dev/null 2>&1 || true
	done
	pid=$(cat "$RUNTIME/libpod/tmp/pause.pid" 2>/dev/null || true)
	if [[ $pid =~ ^[0-9]+$ ]]; then kill "$pid" 2>/dev/null || true; fi
	pid=$(cat "$RUNTIME/skiff/pause.pid" 2>/dev/null || true)
	if [[ $pid =~ ^[0-9]+$ ]]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$TMP" "$RUNTIME"
	exit "$rc"
}
trap cleanup EXIT
FLAGS=(--storage-driver "$DRIVER")

bin() { if [[ $1 == skiff ]]; then echo "$SKIFF"; else command -v podman; fi; }
# eng ENGINE ARGS... runs the engine as the test user on its own store.
eng() {
	local e=$1
	shift
	# TMPDIR: podman keeps RUN --mount=type=cache in $TMPDIR/buildah-cache, shared by every user otherwise.
	XDG_RUNTIME_DIR=$RUNTIME as_user "$TEST_USER" env TMPDIR="$TMP/$e" "$(bin "$e")" "${FLAGS[@]}" --root "$TMP/$e/root" --runroot "$RUNTIME/runroot-$e" "$@"
}
# timed NAME ENGINE ARGS... runs once and appends the wall-clock seconds to TIMES[NAME/ENGINE].
declare -A TIMES
timed() {
	local name=$1 e=$2 t0 t1
	shift 2
	sync
	t0=$EPOCHREALTIME
	eng "$e" "$@" >"$TMP/$e.log" 2>&1 || { cat "$TMP/$e.log" >&2; die "$e $*: failed"; }
	t1=$EPOCHREALTIME
	TIMES[$name/$e]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
}

CTX=$TMP/ctx
mkdir -p "$CTX/data"
cat >"$CTX/Dockerfile" <<DOCKERFILE
ARG BASE=$IMAGE_BUSYBOX
FROM \${BASE} AS builder
ARG GREETING=hello
RUN --mount=type=cache,target=/cache echo "\$GREETING" > /cache/g && mkdir -p /out && cp /cache/g /out/greeting && echo built > /out/artifact && chown -R 1000:1000 /out
FROM \${BASE}
LABEL org.example.bench=yes
ENV APP_MODE=prod
WORKDIR /app
COPY --from=builder /out /app/out
COPY --chown=1000:1000 app.sh /app/app.sh
COPY data/ /app/data/
EXPOSE 8080/tcp
HEALTHCHECK --interval=30s CMD true
USER 1000:1000
ENTRYPOINT ["/bin/sh"]
CMD ["/app/app.sh"]
DOCKERFILE
echo 'cat /app/out/artifact' >"$CTX/app.sh"
echo kept >"$CTX/data/kept.txt"
echo secret >"$CTX/data/secret.txt"
echo data/secret.txt >"$CTX/.dockerignore"
chmod -R a+rX "$CTX"

declare -A BUILD_EXTRA=([skiff]="" [podman]="--runtime runc --tls-verify=false")
for e in skiff podman; do
	mkdir -p "$TMP/$e"
	chown "$TEST_USER:" "$TMP/$e"
	eng "$e" pull -q --tls-verify=false "$IMAGE_BUSYBOX" >/dev/null
	eng "$e" pull -q --tls-verify=false "$IMAGE_DISTRO" >/dev/null
	# shellcheck disable=SC2086 # BUILD_EXTRA holds flags
	eng "$e" build -q ${BUILD_EXTRA[$e]} --format docker -t localhost/bench:1 "$CTX" >/dev/null # warm-up, fills the cache
done
for ((i = 1; i <= RUNS; i++)); do
	for e in skiff podman; do
		# shellcheck disable=SC2086
		timed build-cold "$e" build -q ${BUILD_EXTRA[$e]} --no-cache --format docker -t localhost/bench:1 "$CTX"
		# shellcheck disable=SC2086
		timed build-cached "$e" build -q ${BUILD_EXTRA[$e]} --format docker -t localhost/bench:1 "$CTX"
		rm -f "$TMP/$e/distro.tar"
		timed save "$e" save -q -o "$TMP/$e/distro.tar" "$IMAGE_DISTRO"
		eng "$e" rmi "$IMAGE_DISTRO" >/dev/null
		timed load "$e" load -q -i "$TMP/$e/distro.tar"
		INFO "run $i/$RUNS: $e done"
	done
done

stats() {
	tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}
printf 'build/save/load as %s, storage driver %s, %d runs\n' "$TEST_USER" "$DRIVER" "$RUNS"
printf '%-13s %-7s %9s %9s %9s\n' what engine median_s min_s max_s
for what in build-cold build-cached save load; do
	for e in skiff podman; do
		read -r median min max < <(echo "${TIMES[$what/$e]}" | stats)
		printf '%-13s %-7s %9s %9s %9s\n' "$what" "$e" "$median" "$min" "$max"
	done
done
