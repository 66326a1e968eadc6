// Command skiff is a rootless, daemonless, per-user container engine with Docker's grammar.
//
// This package is CLI wiring only: each verb lives in its own file, turns its flags into a typed options
// struct and calls a package. Exit codes are decided here and nowhere else.
//
// It belongs to the executables layer (test/layers): it may import every layer below it; it must not
// import another executable or the tests and tools layer, and nothing imports it.
package main
