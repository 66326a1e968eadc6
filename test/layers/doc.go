// Package layers holds the test of the project's import rules: the table of layers (layers_test.go) in
// which every package has its place, a lower layer never importing a higher one, nothing importing an
// executable's package (cmd/…), userns importing no project package. It also checks that each
// package's doc.go names its layer and that the README's Layout table agrees with the table, and that
// only main and the role entry points it calls end the process (os.Exit) and no package but userns has an
// init (entry_test.go).
//
// It belongs to the tests and tools layer (test/layers): it must not import a front end's package
// (cmd/…: executables are run, not imported), and no other layer imports it.
package layers
