package notify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// listen binds a unixgram socket like the service manager's and returns a function that reads one datagram.
func listen(t *testing.T, name string) func() string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	return func() string {
		t.Helper()
		buf := make([]byte, 4096)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read from %s: %v", name, err)
		}
		return string(buf[:n])
	}
}

func TestSendPath(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	read := listen(t, sock)
	if err := Send(sock, MainPID(4242), Ready); err != nil {
		t.Fatal(err)
	}
	if got, want := read(), "MAINPID=4242\nREADY=1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := Send(sock, Status("starting\nweb")); err != nil {
		t.Fatal(err)
	}
	if got, want := read(), "STATUS=starting web"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSendAbstract(t *testing.T) {
	sock := fmt.Sprintf("@skiff-notify-test-%d", os.Getpid())
	read := listen(t, sock)
	if err := Send(sock, Ready); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != Ready {
		t.Errorf("got %q, want %q", got, Ready)
	}
}

func TestSendFromEnvironment(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	read := listen(t, sock)
	t.Setenv(EnvSocket, sock)
	if err := Send(Socket(), Ready); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != Ready {
		t.Errorf("got %q", got)
	}
}

func TestSendErrors(t *testing.T) {
	if err := Send("", Ready); !errors.Is(err, ErrNoSocket) {
		t.Errorf("empty socket: %v", err)
	}
	if err := Send("relative/sock", Ready); err == nil {
		t.Error("relative socket: no error")
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if err := Send(missing, Ready); err == nil {
		t.Error("missing socket: no error")
	}
}

func TestContainerSocket(t *testing.T) {
	dir, val, err := ContainerSocket("/run/user/1000/systemd/notify")
	if err != nil || dir != "/run/user/1000/systemd" || val != "/run/notify/notify" {
		t.Errorf("path: %q %q %v", dir, val, err)
	}
	dir, val, err = ContainerSocket("@/org/freedesktop/systemd1/notify/123")
	if err != nil || dir != "" || val != "@/org/freedesktop/systemd1/notify/123" {
		t.Errorf("abstract: %q %q %v", dir, val, err)
	}
	if _, _, err := ContainerSocket(""); !errors.Is(err, ErrNoSocket) {
		t.Errorf("empty: %v", err)
	}
}

func TestUnset(t *testing.T) {
	got := Unset([]string{"A=1", "NOTIFY_SOCKET=/x", "NOTIFY_SOCKETX=2"})
	if len(got) != 2 || got[0] != "A=1" || got[1] != "NOTIFY_SOCKETX=2" {
		t.Errorf("Unset = %q", got)
	}
}

func TestStarted(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	read := listen(t, sock)
	if err := Started(sock, ModeConmon, 77); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "MAINPID=77\nREADY=1" {
		t.Errorf("conmon: %q", got)
	}
	if err := Started(sock, ModeContainer, 78); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "MAINPID=78" {
		t.Errorf("container: %q", got)
	}
	if err := Started(sock, ModeIgnore, 79); err != nil {
		t.Fatal(err)
	}
	if err := Started("", ModeConmon, 80); err != nil {
		t.Errorf("no socket: %v", err)
	}
}

func TestParseMode(t *testing.T) {
	t.Setenv(EnvSocket, "")
	for in, want := range map[string]string{"": ModeIgnore, "conmon": ModeConmon, "container": ModeContainer, "ignore": ModeIgnore} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	t.Setenv(EnvSocket, "/run/user/1000/systemd/notify")
	if got, _ := ParseMode(""); got != ModeConmon {
		t.Errorf("default under systemd: %q", got)
	}
	for in, want := range map[string]string{
		"healthy": "--sdnotify=healthy: skiff has no health checks: use conmon, container or ignore",
		"bogus":   "--sdnotify=bogus: want conmon, container or ignore",
	} {
		if _, err := ParseMode(in); err == nil || err.Error() != want {
			t.Errorf("ParseMode(%q): %v", in, err)
		}
	}
}
