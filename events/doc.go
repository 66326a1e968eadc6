// Package events records what happens to containers, one JSON line per event in a file in the user's
// runtime directory (Podman's file backend), and reads them back filtered, once or as they come.
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package events
