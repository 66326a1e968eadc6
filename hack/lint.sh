#!/usr/bin/env bash
# The project's lint, run by `make lint` (and so by CI): gofmt, go vet, staticcheck and golangci-lint
# (errorlint, depguard: .golangci.yml) over the main module and build/helper, a module of its own.
# staticcheck and golangci-lint are installed from the Go module proxy at the versions pinned below,
# once, into $SKIFF_TOOLS (default ~/.cache/skiff/tools), one directory per version.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATICCHECK_VERSION=v0.8.2     # honnef.co/go/tools
GOLANGCI_LINT_VERSION=v2.15.0 # github.com/golangci/golangci-lint/v2
: "${SKIFF_TOOLS:=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/skiff/tools}"
: "${GO:=go}"

# tool NAME PACKAGE VERSION prints the path of NAME at VERSION, installing it first if it is missing.
tool() {
	local name=$1 pkg=$2 version=$3 dir="$SKIFF_TOOLS/$1-$3"
	if [[ ! -x $dir/$name ]]; then
		INFO "installing $name $version into $dir"
		GOBIN=$dir CGO_ENABLED=0 "$GO" install "$pkg@$version" >&2 || die "could not install $name $version ($pkg@$version)"
	fi
	echo "$dir/$name"
}

staticcheck=$(tool staticcheck honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION")
golangci_lint=$(tool golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint "$GOLANGCI_LINT_VERSION")

cd "$REPO_ROOT"
unformatted=$(gofmt -l $(git ls-files '*.go'))
[[ -z $unformatted ]] || die "gofmt: these files need formatting: $unformatted"

status=0
for mod in . build/helper; do
	INFO "lint $mod"
	# Each tool runs whatever the one before found; any finding fails the lint. (set -e does not
	# work in a subshell whose status is tested.)
	(cd "$mod" && "$GO" vet -tags "$GO_BUILD_TAGS" ./...) || status=1
	(cd "$mod" && "$staticcheck" -tags "$GO_BUILD_TAGS" ./...) || status=1
	(cd "$mod" && "$golangci_lint" run --config "$REPO_ROOT/.golangci.yml" ./...) || status=1
done
[[ $status -eq 0 ]] || die "lint: see the findings above"
INFO "lint: clean"
