// Package nosub holds the end-to-end tests that run as skiff-nosub, a user with no subordinate ID range:
// skiff must work for such users (LDAP accounts, HPC login nodes) with a single-UID mapping.
//
// It belongs to the tests and tools layer (test/layers): it must not import a front end's package
// (cmd/…: executables are run, not imported), and no other layer imports it.
package nosub
