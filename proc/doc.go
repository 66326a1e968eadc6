// Package proc is process identity: the one reader of /proc/PID/stat (Stat, StartTime, ParentPID), and
// [Identity], a process by PID and start time, signalled through a pidfd opened after the start time was
// checked, so that a PID the kernel has given to another process is never mistaken for the recorded one
// nor signalled. Every "is this still the process I recorded" check of the engine goes through Identity.
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package proc
