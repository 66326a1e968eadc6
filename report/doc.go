// Package report renders command output through Go templates the way Podman's --format does: a plain
// template is executed once per row, "json" (or "{{json .}}") prints JSON, and a "table " prefix adds a
// header row and aligns the columns.
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package report
