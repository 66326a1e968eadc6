//go:build tools

// Package compose pins docker compose v2+ (module github.com/docker/compose/v5)
// so that hack/setup-host.sh can build the docker CLI plugin from the Go
// module proxy: `go install` of compose itself fails on its exclude directives.
package compose

import _ "github.com/docker/compose/v5/cmd"
