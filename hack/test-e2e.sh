#!/usr/bin/env bash
# Runs the end-to-end tests as the unprivileged test users: test/e2e as $TEST_USER (with a subordinate ID
# range) and test/nosub as $NOSUB_USER (without one). Rootless behaviour is only proven this way.
# Usage (root): hack/test-e2e.sh [go test -run regexp]
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_root

run_filter=${1:-}
work=$(mktemp -d /tmp/skiff-e2e.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT

cd "$REPO_ROOT"
[[ -x bin/skiff ]] || die "bin/skiff missing: run make build"
install -m 0755 bin/skiff "$work/skiff"
install -m 0755 bin/skiff-netkeeper "$work/skiff-netkeeper"
[[ -x bin/skiff-build ]] || die "bin/skiff-build missing: run make build"
install -m 0755 bin/skiff-build "$work/skiff-build"
for pkg in e2e nosub; do
	CGO_ENABLED=1 go test -c -tags "$GO_BUILD_TAGS" -o "$work/$pkg.test" "./test/$pkg"
done

# The systemd tests use $TEST_USER's systemd manager: start it (quick when it runs already) and pass the
# tests its runtime directory and bus.
bash "$HACK_DIR/setup-host.sh" --systemd-user || die "no systemd user manager for $TEST_USER: the systemd tests need one"
test_uid=$(id -u "$TEST_USER")
declare -A pkg_env=([e2e]="XDG_RUNTIME_DIR=/run/user/$test_uid DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$test_uid/bus" [nosub]="")

declare -A users=([e2e]=$TEST_USER [nosub]=$NOSUB_USER)
status=0
for pkg in e2e nosub; do
	INFO "end-to-end tests in test/$pkg as ${users[$pkg]}"
	log="$work/$pkg.log"
	set +e
	# shellcheck disable=SC2086 # pkg_env holds NAME=VALUE words without spaces
	as_user "${users[$pkg]}" env SKIFF_BIN="$work/skiff" TMPDIR=/tmp SKIFF_SHARED_STORE="$SHARED_STORE" ${pkg_env[$pkg]} \
		"$work/$pkg.test" -test.v -test.count=1 ${run_filter:+-test.run "$run_filter"} -test.timeout 25m 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	[[ $rc -eq 0 ]] || status=1
done

passed=$(cat "$work"/*.log | grep -c -- '^--- PASS' || true)
failed=$(cat "$work"/*.log | grep -c -- '^--- FAIL' || true)
skipped=$(cat "$work"/*.log | grep -c -- '^--- SKIP' || true)
echo "e2e: $passed passed, $failed failed, $skipped skipped"
exit $status
