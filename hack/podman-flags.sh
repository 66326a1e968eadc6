#!/usr/bin/env bash
# Writes the flags of Podman's verbs, one "COMMAND PATH|LONG|SHORT" line per flag, from `podman … --help`
# (Podman 4.3 on Debian 12). The committed output, cmd/skiff/testdata/podman-flags.txt, is what
# TestCompat compares skiff's command-line definition with to write docs/compat.md.
# Usage: hack/podman-flags.sh > cmd/skiff/testdata/podman-flags.txt
set -euo pipefail
command -v podman >/dev/null || { echo "podman is not installed (hack/setup-host.sh installs it)" >&2; exit 1; }

subcommands() { podman "$@" --help | sed -n '/^Available Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'; }

dump() {
	local help
	help=$(podman "$@" --help 2>/dev/null) || return 0
	if grep -q '^Available Commands:' <<<"$help"; then
		local sub
		for sub in $(subcommands "$@"); do
			[[ $sub == help ]] || dump "$@" "$sub"
		done
	fi
	sed -n '/^Options:/,/^$/p' <<<"$help" | sed -nE 's/^ +(-([a-zA-Z]), )?--([a-z0-9-]+).*/\3 \2/p' |
		while read -r long short; do echo "$*|$long|${short:-}"; done
}

echo "# podman $(podman version --format '{{.Client.Version}}') flags: hack/podman-flags.sh"
# Global options: the empty command path.
podman --help | sed -n '/^Options:/,/^$/p' | sed -nE 's/^ +(-([a-zA-Z]), )?--([a-z0-9-]+).*/\3 \2/p' |
	while read -r long short; do echo "|$long|${short:-}"; done
for verb in attach container cp create diff exec export generate image images import info init inspect \
	kill kube load login logout logs network pause pod port ps pull push rename restart rm rmi run save \
	start stats stop system tag top unpause untag version volume wait; do
	dump "$verb"
done
