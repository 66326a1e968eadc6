#!/usr/bin/env bash
# make bench: skiff against podman on this machine, in one run. Speed and memory targets are checked here,
# never by a timed test. Each part prints its own table.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_root

cd "$REPO_ROOT"
[[ -x bin/skiff ]] || die "bin/skiff missing: run make build"
bash hack/setup-host.sh
export SKIFF="$REPO_ROOT/bin/skiff"
# Both engines on the same storage driver: Podman's packaged storage.conf picks overlay on a normal
# distribution; without one (as here) podman 4.3.1 would fall back to vfs and the comparison would be moot.
export BENCH_STORAGE_DRIVER=${BENCH_STORAGE_DRIVER:-overlay}
for part in pull run scale net build api; do
	script="hack/bench-$part.sh"
	if [[ -f $script ]]; then
		INFO "benchmark: $part"
		bash "$script"
	fi
done
