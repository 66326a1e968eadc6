// Package harness runs the skiff binary for end-to-end tests. The tests that use it run as an unprivileged
// user (the Makefile starts them with runuser as skiff-test or skiff-nosub): rootless behaviour is only
// proven that way, so Main refuses to run as root.
//
// It belongs to the tests and tools layer (test/layers): it must not import a front end's package
// (cmd/…: executables are run, not imported), and no other layer imports it.
package harness
