package oci

import (
	"path/filepath"
	"strconv"
	"strings"
)

// LogFileName is the file in a bundle that CreateCommand has the runtime log to.
const LogFileName = "oci-log"

// GlobalArgs returns the flags that go before every runtime command: --root for both runtimes, and for
// crun --cgroup-manager=disabled when containers get no cgroup (crun's default, cgroupfs, would fail
// rootless on cgroup v1 and is pointless without delegation). runc needs no --rootless flag: its
// default, auto, selects the rootless cgroup manager for uid 0 in a non-initial user namespace.
func (r *Runtime) GlobalArgs() []string {
	args := []string{"--root", r.StateRoot}
	if r.kind == kindCrun && !r.cgroups {
		args = append(args, "--cgroup-manager=disabled")
	}
	return args
}

// logArgs has the runtime write its log, errors included, as JSON lines to file (read it with LogError).
func logArgs(file string) []string {
	return []string{"--log=" + file, "--log-format=json"}
}

// CreateLogFile returns the log file CreateCommand names: <bundle>/oci-log.
func CreateLogFile(bundle string) string { return filepath.Join(bundle, LogFileName) }

// ExecLogFile returns the log file ExecCommand names: processJSON with ".oci-log" for ".json".
func ExecLogFile(processJSON string) string {
	return strings.TrimSuffix(processJSON, ".json") + ".oci-log"
}

// CreateCommand returns the full argument vector (binary first) that creates container id from bundle
// and leaves it in the "created" state: its init process waits for Start. The runtime writes the init
// PID to pidFile. With a consoleSocket (required when the spec asks for a terminal) the runtime sends
// the pty master over that AF_UNIX socket; otherwise the container inherits the create process's stdio.
// preserveFDs > 0 passes fds 3..3+N-1 to the container (socket activation). Errors also go to
// CreateLogFile(bundle) as JSON lines.
//
// No --no-new-keyring: like Podman (keyring = true), each container gets its own session keyring and
// cannot read the user's keys.
func (r *Runtime) CreateCommand(bundle, id, pidFile, consoleSocket string, preserveFDs int) []string {
	argv := append([]string{r.Path}, r.GlobalArgs()...)
	argv = append(argv, logArgs(CreateLogFile(bundle))...)
	argv = append(argv, "create", "--bundle", bundle)
	if pidFile != "" {
		argv = append(argv, "--pid-file", pidFile)
	}
	if consoleSocket != "" {
		argv = append(argv, "--console-socket", consoleSocket)
	}
	if preserveFDs > 0 {
		argv = append(argv, "--preserve-fds", strconv.Itoa(preserveFDs))
	}
	return append(argv, id)
}

// ExecCommand returns the argument vector that runs the process described by processJSON (an OCI
// Process object) in running container id. The runtime writes its PID to pidFile; consoleSocket is as
// for CreateCommand; detach makes the runtime return once the process started instead of waiting for
// it. Errors also go to ExecLogFile(processJSON) as JSON lines.
func (r *Runtime) ExecCommand(id, processJSON, pidFile, consoleSocket string, detach bool) []string {
	argv := append([]string{r.Path}, r.GlobalArgs()...)
	argv = append(argv, logArgs(ExecLogFile(processJSON))...)
	argv = append(argv, "exec", "--process", processJSON)
	if pidFile != "" {
		argv = append(argv, "--pid-file", pidFile)
	}
	if consoleSocket != "" {
		argv = append(argv, "--console-socket", consoleSocket)
	}
	if detach {
		argv = append(argv, "--detach")
	}
	return append(argv, id)
}
