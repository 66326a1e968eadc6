package slirpnet

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoNetNS is wrapped by the error of ProbeNetNS (and of Setup) when this user cannot create a
// network namespace; its message names --network host as the way out.
var ErrNoNetNS = errors.New("cannot create a network namespace")

// NetNSError is a failure to create a network namespace. Its message is one line that says why and
// names the way out: `cannot create a network namespace: user.max_net_namespaces is 0 (use --network
// host to run without one)`.
type NetNSError struct {
	Err error
}

func (e *NetNSError) Error() string {
	why := e.Err.Error()
	if errors.Is(e.Err, unix.ENOSPC) || errors.Is(e.Err, unix.EUSERS) {
		// The limit that bit may be this user namespace's or an ancestor's (the host's).
		switch v := readSysctl("user/max_net_namespaces"); v {
		case "0":
			why = "user.max_net_namespaces is 0"
		default:
			why = "the user.max_net_namespaces limit is reached"
		}
	}
	return fmt.Sprintf("%v: %s (use --network host to run without one)", ErrNoNetNS, why)
}

func (e *NetNSError) Unwrap() []error { return []error{ErrNoNetNS, e.Err} }

func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// ProbeNetNS checks that this process may create a network namespace, by creating one on a thread that
// is thrown away afterwards: cheap (well under a millisecond) and exact, where reading sysctls is not
// (the limits nest per user namespace). The caller runs it before creating a container whose mode
// needs a new namespace (Mode.NewNetNS) and reports the error as it is.
func ProbeNetNS() error {
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread leaves with the goroutine, and its namespace with it.
		runtime.LockOSThread()
		errc <- unix.Unshare(unix.CLONE_NEWNET)
	}()
	if err := <-errc; err != nil {
		return &NetNSError{Err: err}
	}
	return nil
}
