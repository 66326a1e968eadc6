// Package files reaches into a container's root file system from outside: cp (Copy, StatPath), export,
// diff and commit. Each works through container.Engine.WithRootFS (the container locked, its root file
// system mounted) or the storage layer of the container, and writes only where its caller asked.
//
// It may import package container and package image; it must not import a front end, and package
// container must not import it.
package files
