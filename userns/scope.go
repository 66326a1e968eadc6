package userns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"github.com/sirupsen/logrus"
)

// A pause process that a skiff command creates while it runs in a systemd unit would sit in that unit's
// cgroup, and systemd kills what is left there when the unit stops: the user namespace, and with it every
// container of the user, would go too. So, as Podman does, the pause process is moved into a transient
// scope of the user's service manager of its own, through the manager's D-Bus API. Without a user bus it
// stays where it is (logged at debug level): outside systemd that is what is wanted anyway.
//
// Only the pause process moves. Container monitors stay in the unit that starts them (see
// container/sdnotify.go).

// scopeTimeout bounds the wait for the service manager.
const scopeTimeout = 5 * time.Second

// inServiceUnit reports whether this process runs in a service of a systemd manager: systemd sets
// INVOCATION_ID in every service's environment, and a process whose environment was cleaned still shows
// a service of the user's manager (user@UID.service/…/NAME.service) in /proc/self/cgroup.
func inServiceUnit() bool {
	if os.Getenv("INVOCATION_ID") != "" {
		return true
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return false
	}
	return cgroupInUserService(string(b))
}

// cgroupInUserService reports whether a /proc/PID/cgroup text puts the process in a service below a
// user manager.
func cgroupInUserService(procCgroup string) bool {
	for _, line := range strings.Split(procCgroup, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || (f[1] != "" && f[1] != "name=systemd") {
			continue
		}
		manager := false
		for _, el := range strings.Split(f[2], "/") {
			switch {
			case strings.HasPrefix(el, "user@") && strings.HasSuffix(el, ".service"):
				manager = true
			case manager && strings.HasSuffix(el, ".service"):
				return true
			}
		}
	}
	return false
}

// moveToOwnScope moves the pause process pid into a new transient scope of the user's service manager when
// this command runs in a service, and does nothing otherwise. Failures are logged, not returned: the pause
// process works where it is, it only shares the unit's fate.
func moveToOwnScope(pid int) {
	if !inServiceUnit() {
		return
	}
	name, err := moveToScope(pid)
	if err != nil {
		logrus.Debugf("pause process %d stays in this unit's cgroup: %v", pid, err)
		return
	}
	logrus.Debugf("pause process %d moved to %s", pid, name)
}

// moveToScope asks the user's service manager to start a transient scope holding pid, and waits for it.
func moveToScope(pid int) (string, error) {
	addr := userBus()
	if addr == "" {
		return "", errors.New("no user bus (neither DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR/bus)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), scopeTimeout)
	defer cancel()
	conn, err := sddbus.NewConnection(func() (*dbus.Conn, error) { return dialUserBus(ctx, addr) })
	if err != nil {
		return "", fmt.Errorf("connect to the user bus %s: %w", addr, err)
	}
	defer conn.Close()
	r := make([]byte, 4)
	if _, err := rand.Read(r); err != nil {
		return "", err
	}
	name := fmt.Sprintf("skiff-pause-%d-%s.scope", HostUID(), hex.EncodeToString(r))
	props := []sddbus.Property{
		sddbus.PropDescription("skiff pause process: the user namespace of skiff's containers"),
		sddbus.PropPids(uint32(pid)),
		sddbus.PropSlice("user.slice"),
		{Name: "DefaultDependencies", Value: dbus.MakeVariant(false)},
		// A pause process killed by `system reset` must not leave a failed unit behind.
		{Name: "CollectMode", Value: dbus.MakeVariant("inactive-or-failed")},
	}
	done := make(chan string, 1)
	if _, err := conn.StartTransientUnitContext(ctx, name, "fail", props, done); err != nil {
		return "", fmt.Errorf("start %s: %w", name, err)
	}
	select {
	case result := <-done:
		if result != "done" {
			return "", fmt.Errorf("start %s: job %s", name, result)
		}
	case <-ctx.Done():
		return "", fmt.Errorf("start %s: %w", name, ctx.Err())
	}
	return name, nil
}

// userBus returns the address of the user's bus, "" when there is none.
func userBus() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a
	}
	path := filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "bus")
	if st, err := os.Stat(path); os.Getenv("XDG_RUNTIME_DIR") != "" && err == nil && st.Mode()&os.ModeSocket != 0 {
		return "unix:path=" + path
	}
	return ""
}

// dialUserBus connects to the bus at addr as the user: EXTERNAL authentication with the numeric UID
// (no user name lookup), then Hello.
func dialUserBus(ctx context.Context, addr string) (*dbus.Conn, error) {
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(HostUID()))}); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
