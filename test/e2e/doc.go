// Package e2e holds the end-to-end tests that run as skiff-test, a user with a subordinate ID range.
//
// It belongs to the tests and tools layer (test/layers): it must not import a front end's package
// (cmd/…: executables are run, not imported), and no other layer imports it.
package e2e
