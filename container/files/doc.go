// Package files reaches into a container's root file system from outside: cp (Copy, StatPath), export,
// diff and commit. Each works through container.Engine.WithRootFS (the container locked, its root file
// system mounted) or the storage layer of the container, and writes only where its caller asked.
//
// It belongs to the engine users layer (test/layers): it may import package container and the layers
// below; package container must not import it, and it must not import a front end.
package files
