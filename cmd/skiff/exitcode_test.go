package main

import (
	"errors"
	"fmt"
	"os/exec"
	"testing"

	"github.com/skiffproject/skiff/runtime/oci"
)

// main alone decides the exit status, from the error's type and class.
func TestExitCode(t *testing.T) {
	notFound := fmt.Errorf("start container web: %w", oci.InvokeError(`exec: "nope": executable file not found in $PATH`))
	denied := fmt.Errorf("start container web: %w", oci.InvokeError(`{"level":"error","msg":"exec: \"/etc/passwd\": permission denied"}`))
	broken := fmt.Errorf("start container web: %w", oci.InvokeError("cannot mount proc"))
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"engine failure", errors.New("pull x: manifest unknown"), 125},
		{"code chosen by the verb", withCode(7, nil), 7},
		{"code chosen by the verb, with a message", withCode(2, errors.New("image in use")), 2},
		{"run: command not found", commandFailed(notFound), 127},
		{"run: command not executable", commandFailed(denied), 126},
		{"run: runtime failed otherwise", commandFailed(broken), 125},
		{"run: engine failure before the command", commandFailed(errors.New("no such image")), 125},
		{"start without --attach: not the verb's command", notFound, 125},
		{"wrapped further", fmt.Errorf("exec: %w", commandFailed(notFound)), 127},
		{"unshare: host command not found", &commandError{err: exec.ErrNotFound, class: oci.ErrCommandNotFound}, 127},
		{"unshare: host command not executable", &commandError{err: errors.New("exec /x: permission denied"), class: oci.ErrCannotInvoke}, 126},
		{"commandFailed(nil)", commandFailed(nil), 0},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}
