package keeper

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sameNamespace dials in the test's own network namespace, which stands for the container's here.
func sameNamespace(local, target *net.UDPAddr) (*net.UDPConn, error) {
	return net.DialUDP("udp", local, target)
}

// freeUDPPort returns a UDP port nothing listens on at 127.0.0.1 right now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// echoServer stands for the container's UDP server at 127.0.0.1:port: it answers each datagram with
// the address it came from.
func echoServer(t *testing.T, port int) {
	t.Helper()
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := srv.ReadFromUDP(buf)
			if err != nil {
				return
			}
			srv.WriteToUDP([]byte(string(buf[:n])+" from "+from.IP.String()), from)
		}
	}()
}

// client is a UDP client at a loopback address, talking to the relay from one socket.
type client struct{ c *net.UDPConn }

func newClient(t *testing.T, ip string, relayPort int) *client {
	t.Helper()
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{c}
}

// ask sends msg and returns the answer, or "" if none comes within wait.
func (c *client) ask(t *testing.T, msg string, wait time.Duration) string {
	t.Helper()
	if _, err := c.c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	c.c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 512)
	n, err := c.c.Read(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func TestRelayUDP(t *testing.T) {
	tests := []struct {
		name string
		// Each client (one socket per address) asks in turn; serverLate starts the server only after the
		// first step.
		clients    []string
		serverLate bool
		want       []string // answers, "" for none
	}{
		{
			name:    "the container sees the client's own loopback address",
			clients: []string{"127.0.0.5"},
			want:    []string{"ping from 127.0.0.5"},
		},
		{
			name:    "each client gets its own flow and its own answers",
			clients: []string{"127.0.0.5", "127.0.0.6", "127.0.0.5"},
			want:    []string{"ping from 127.0.0.5", "ping from 127.0.0.6", "ping from 127.0.0.5"},
		},
		{
			name:       "a client whose first datagram found no server is answered once the server runs",
			clients:    []string{"127.0.0.7", "127.0.0.7"},
			serverLate: true,
			want:       []string{"", "ping from 127.0.0.7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hostPort, childPort := freeUDPPort(t), freeUDPPort(t)
			r, err := relayUDP(Forward{Proto: "udp", HostIP: "127.0.0.1", HostPort: hostPort, ChildPort: childPort}, sameNamespace)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.ln.Close() })
			if !tt.serverLate {
				echoServer(t, childPort)
			}
			clients := map[string]*client{}
			for i, ip := range tt.clients {
				if clients[ip] == nil {
					clients[ip] = newClient(t, ip, hostPort)
				}
				wait := 5 * time.Second
				if tt.want[i] == "" {
					wait = 300 * time.Millisecond
				}
				if got := clients[ip].ask(t, "ping", wait); got != tt.want[i] {
					t.Errorf("step %d: client %s got %q, want %q", i, ip, got, tt.want[i])
				}
				if i == 0 && tt.serverLate {
					echoServer(t, childPort)
				}
			}
		})
	}
}

// A port another socket holds without SO_REUSEADDR cannot be relayed, and the error names it.
func TestRelayUDPPortTaken(t *testing.T) {
	taken, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.LocalAddr().(*net.UDPAddr).Port
	_, err = relayUDP(Forward{Proto: "udp", HostIP: "127.0.0.1", HostPort: port, ChildPort: 53}, sameNamespace)
	want := "publish " + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/udp"
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("relayUDP on a taken port = %v, want %q and EADDRINUSE", err, want)
	}
}
