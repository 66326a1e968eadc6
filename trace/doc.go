// Package trace times the phases of one skiff command. With SKIFF_TRACE=1 in the environment the command
// prints a table to standard error when it ends: each phase, from the namespace constructor that runs
// before the Go runtime to the command's end, in milliseconds, and their total. Without it every call
// returns at once: the run path pays nothing for the marks it carries.
//
// Phases are named by what ended when they were marked; they follow each other without gaps, so the
// total is the command's own time after the kernel's exec.
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package trace
