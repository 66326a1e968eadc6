package oci

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInvokeError(t *testing.T) {
	tests := []struct {
		stderr string
		class  error
		msg    string
	}{
		{`time="2026-11-22T18:52:48Z" level=error msg="runc create failed: unable to start container process: exec: \"nope\": executable file not found in $PATH"`,
			ErrCommandNotFound, `exec: "nope": executable file not found in $PATH`},
		{`{"level":"error","msg":"exec: \"/etc/passwd\": permission denied"}`, ErrCannotInvoke, "permission denied"},
		{"crun: open executable: No such file or directory", ErrCommandNotFound, "No such file"},
		{"something else broke", ErrRuntime, "something else broke"},
		{"", ErrRuntime, "the OCI runtime failed without a message"},
	}
	for _, tt := range tests {
		err := InvokeError(tt.stderr)
		if !errors.Is(err, tt.class) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("InvokeError(%q) = %v, want class %v and %q", tt.stderr, err, tt.class, tt.msg)
		}
	}
}

func TestCheckCommand(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(root, "bin/busybox"), []byte("#!"), 0o755)
	os.Symlink("/bin/busybox", filepath.Join(root, "bin/sh"))
	os.WriteFile(filepath.Join(root, "usr/bin/data"), []byte("x"), 0o644)
	// An absolute symlink resolves inside the root, never to the host's file.
	os.Symlink("/etc/hostname", filepath.Join(root, "bin/escape"))
	tests := []struct {
		argv0 string
		env   []string
		want  error
	}{
		{"sh", nil, nil},
		{"/bin/sh", nil, nil},
		{"busybox", []string{"PATH=/bin"}, nil},
		{"nope", nil, ErrCommandNotFound},
		{"/bin/nope", nil, ErrCommandNotFound},
		{"data", nil, ErrCannotInvoke},
		{"/usr/bin", nil, ErrCannotInvoke},
		{"escape", nil, ErrCommandNotFound},
		{"busybox", []string{"PATH=/usr/bin"}, ErrCommandNotFound},
	}
	for _, tt := range tests {
		err := CheckCommand(root, []string{tt.argv0}, tt.env)
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("CheckCommand(%q, %q) = %v, want %v", tt.argv0, tt.env, err, tt.want)
		}
	}
}
