package oci

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/skiffproject/skiff/runtime/spec"
)

// Classes of a failure to invoke a container's command, found once here (by CheckCommand, or from the
// runtime's own words by InvokeError) and matched with errors.Is. skiff's main turns them into
// Docker's exit codes: 127, 126 and 125. Their texts are Podman's.
var (
	// ErrCommandNotFound: the command does not exist in the container.
	ErrCommandNotFound = errors.New("OCI runtime attempted to invoke a command that was not found")
	// ErrCannotInvoke: the command exists but cannot be invoked (not executable, a directory).
	ErrCannotInvoke = errors.New("OCI permission denied")
	// ErrRuntime: the runtime failed to start the command for another reason.
	ErrRuntime = errors.New("OCI runtime error")
)

// InvokeError classifies the error output of a runtime's create, start or exec that failed (its stderr,
// or the messages of its log: LogError) into ErrCommandNotFound, ErrCannotInvoke or ErrRuntime. The
// runtime says why only in words, which this reads once, so that no caller matches them.
func InvokeError(output string) error {
	msg := runtimeMessage([]byte(output))
	if msg == "" {
		msg = "the OCI runtime failed without a message"
	}
	low := strings.ToLower(msg)
	class := ErrRuntime
	switch {
	case strings.Contains(low, "executable file not found"), strings.Contains(low, "no such file or directory"):
		class = ErrCommandNotFound
	case strings.Contains(low, "permission denied"):
		class = ErrCannotInvoke
	}
	return fmt.Errorf("%s: %w", msg, class)
}

// CheckCommand resolves argv[0] in the container's rootfs as execve will, with the PATH of env, so
// that a missing command fails with ErrCommandNotFound and a non-executable one with ErrCannotInvoke
// before any process starts.
func CheckCommand(rootfs string, argv, env []string) error {
	name := argv[0]
	if strings.Contains(name, "/") {
		return checkExecutable(rootfs, name, name)
	}
	path := spec.DefaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	var denied error
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		err := checkExecutable(rootfs, filepath.Join(d, name), name)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrCannotInvoke) && denied == nil {
			denied = err
		}
	}
	if denied != nil {
		return denied
	}
	return fmt.Errorf("exec %q: executable file not found in $PATH: %w", name, ErrCommandNotFound)
}

func checkExecutable(rootfs, path, name string) error {
	full, err := securejoin.SecureJoin(rootfs, path)
	if err != nil {
		return fmt.Errorf("exec %q: %w: %w", name, err, ErrCommandNotFound)
	}
	st, err := os.Stat(full)
	if err != nil {
		return fmt.Errorf("exec %q: no such file or directory: %w", name, ErrCommandNotFound)
	}
	if st.IsDir() {
		return fmt.Errorf("exec %q: is a directory: %w", name, ErrCannotInvoke)
	}
	if st.Mode()&0o111 == 0 {
		return fmt.Errorf("exec %q: permission denied: %w", name, ErrCannotInvoke)
	}
	return nil
}
