#!/usr/bin/env bash
# skiff's main job in one go: as the unprivileged $TEST_USER, pull the project's own busybox image from the
# local registry into per-user storage and run a container in it. Run after `make setup build` (make demo).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_root

cd "$REPO_ROOT"
work=$(mktemp -d /tmp/skiff-demo.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
install -m 0755 bin/skiff "$work/skiff"

show() {
	printf '\n%s$ skiff %s\n' "$TEST_USER" "$*" >&2
	as_user "$TEST_USER" "$work/skiff" "$@"
}
show pull "$IMAGE_BUSYBOX"
show images
show run --rm "$IMAGE_BUSYBOX" sh -c 'echo "hello from $(hostname): uid $(id -u) inside, host uid_map: $(tr -s " " < /proc/self/uid_map | tr "\n" ";")"'
show run -d --name demo-web "$IMAGE_BUSYBOX" httpd -f -p 8080
show ps
show exec demo-web ps
show rm -f demo-web
