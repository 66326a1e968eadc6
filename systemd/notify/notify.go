package notify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// EnvSocket is the environment variable that names the notification socket.
const EnvSocket = "NOTIFY_SOCKET"

// Messages the service manager understands (sd_notify(3)).
const (
	Ready     = "READY=1"
	Stopping  = "STOPPING=1"
	Reloading = "RELOADING=1"
	Watchdog  = "WATCHDOG=1"
)

// MainPID returns the message that makes pid the service's main process.
func MainPID(pid int) string { return "MAINPID=" + strconv.Itoa(pid) }

// Status returns a free-form status message that `systemctl status` shows.
func Status(s string) string { return "STATUS=" + strings.ReplaceAll(s, "\n", " ") }

// ErrNoSocket is returned by Send when there is no socket to send to.
var ErrNoSocket = errors.New("no " + EnvSocket + " in the environment")

// Socket returns $NOTIFY_SOCKET, "" when unset.
func Socket() string { return os.Getenv(EnvSocket) }

// Send sends the messages, one per line, in a single datagram to socket: a path, or an abstract socket
// written "@name". It returns ErrNoSocket when socket is "".
func Send(socket string, msgs ...string) error {
	if socket == "" {
		return ErrNoSocket
	}
	// Go's net package maps a leading '@' to the NUL that starts an abstract socket's name.
	if !strings.HasPrefix(socket, "@") && !filepath.IsAbs(socket) {
		return fmt.Errorf("sd_notify: %s=%q is neither an absolute path nor an abstract socket", EnvSocket, socket)
	}
	addr := &net.UnixAddr{Name: socket, Net: "unixgram"}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return fmt.Errorf("sd_notify to %s: %w", socket, err)
	}
	defer conn.Close()
	payload := strings.Join(msgs, "\n")
	if _, err := conn.Write([]byte(payload)); err != nil {
		return fmt.Errorf("sd_notify %q to %s: %w", payload, socket, err)
	}
	return nil
}

// Modes of `run --sdnotify`, as Podman names them.
const (
	ModeConmon    = "conmon"
	ModeContainer = "container"
	ModeIgnore    = "ignore"
)

// ParseMode checks a --sdnotify value. "" means the default: conmon when the command runs under systemd
// with a socket ($NOTIFY_SOCKET set), else ignore.
func ParseMode(s string) (string, error) {
	switch s {
	case "":
		if Socket() != "" {
			return ModeConmon, nil
		}
		return ModeIgnore, nil
	case ModeConmon, ModeContainer, ModeIgnore:
		return s, nil
	case "healthy":
		return "", errors.New("--sdnotify=healthy: skiff has no health checks: use conmon, container or ignore")
	}
	return "", fmt.Errorf("--sdnotify=%s: want conmon, container or ignore", s)
}

// Started tells the service manager at socket that a container started, as mode says: for conmon
// MAINPID=monitorPID and READY=1, for container MAINPID=monitorPID, for ignore nothing. Without a socket
// it does nothing.
func Started(socket, mode string, monitorPID int) error {
	if socket == "" || mode == ModeIgnore {
		return nil
	}
	msgs := []string{MainPID(monitorPID)}
	if mode == ModeConmon {
		msgs = append(msgs, Ready)
	}
	return Send(socket, msgs...)
}

// ContainerDir is where, for --sdnotify=container, the directory of the host's socket is mounted in the
// container.
const ContainerDir = "/run/notify"

// ContainerSocket returns, for --sdnotify=container and the host's socket, the directory to bind-mount at
// ContainerDir in the container ("" for an abstract socket, which needs no mount) and the NOTIFY_SOCKET
// value to set in the container.
func ContainerSocket(socket string) (hostDir, containerValue string, err error) {
	switch {
	case socket == "":
		return "", "", ErrNoSocket
	case strings.HasPrefix(socket, "@"):
		return "", socket, nil
	case !filepath.IsAbs(socket):
		return "", "", fmt.Errorf("sd_notify: %s=%q is neither an absolute path nor an abstract socket", EnvSocket, socket)
	}
	return filepath.Dir(socket), filepath.Join(ContainerDir, filepath.Base(socket)), nil
}

// Unset removes NOTIFY_SOCKET from env (a list of NAME=VALUE), for the processes that must not see it.
func Unset(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, EnvSocket+"=") {
			out = append(out, e)
		}
	}
	return out
}
