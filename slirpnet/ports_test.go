package slirpnet

import (
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func pm(ip string, host, ctr uint16, proto string, n uint16) PortMapping {
	return PortMapping{HostIP: ip, HostPort: host, ContainerPort: ctr, Protocol: proto, Range: n}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in      []string
		want    []PortMapping
		wantErr string
	}{
		{in: []string{"80"}, want: []PortMapping{pm("", 0, 80, "tcp", 1)}},
		{in: []string{"8080:80"}, want: []PortMapping{pm("", 8080, 80, "tcp", 1)}},
		{in: []string{"127.0.0.1:18080:80"}, want: []PortMapping{pm("127.0.0.1", 18080, 80, "tcp", 1)}},
		{in: []string{"127.0.0.1::80"}, want: []PortMapping{pm("127.0.0.1", 0, 80, "tcp", 1)}},
		{in: []string{"0:80"}, want: []PortMapping{pm("", 0, 80, "tcp", 1)}},
		{in: []string{"18053:53/udp"}, want: []PortMapping{pm("", 18053, 53, "udp", 1)}},
		{in: []string{"53/tcp,udp"}, want: []PortMapping{pm("", 0, 53, "tcp", 1), pm("", 0, 53, "udp", 1)}},
		{in: []string{"8000-8010:80-90"}, want: []PortMapping{pm("", 8000, 80, "tcp", 11)}},
		{in: []string{"0.0.0.0:8000-8002:8000-8002/udp"}, want: []PortMapping{pm("0.0.0.0", 8000, 8000, "udp", 3)}},
		{in: []string{"80-82"}, want: []PortMapping{pm("", 0, 80, "tcp", 3)}},
		{in: []string{"[::1]:8080:80"}, want: []PortMapping{pm("::1", 8080, 80, "tcp", 1)}},
		{in: []string{"[::]:8080:80/udp"}, want: []PortMapping{pm("::", 8080, 80, "udp", 1)}},
		{in: []string{"[::1]:80"}, want: []PortMapping{pm("::1", 0, 80, "tcp", 1)}},
		{in: []string{"[::1]::80"}, want: []PortMapping{pm("::1", 0, 80, "tcp", 1)}},
		{in: []string{"[0:0:0:0:0:0:0:1]:8080:80"}, want: []PortMapping{pm("::1", 8080, 80, "tcp", 1)}},
		{in: []string{"8080:80", "127.0.0.1:8081:80"}, want: []PortMapping{pm("", 8080, 80, "tcp", 1), pm("127.0.0.1", 8081, 80, "tcp", 1)}},
		{in: []string{"8080:80", "8080:80/udp"}, want: []PortMapping{pm("", 8080, 80, "tcp", 1), pm("", 8080, 80, "udp", 1)}},
		{in: []string{"127.0.0.1:8080:80", "192.0.2.9:8080:81"}, want: []PortMapping{pm("127.0.0.1", 8080, 80, "tcp", 1), pm("192.0.2.9", 8080, 81, "tcp", 1)}},

		{in: []string{"abc"}, wantErr: `invalid -p "abc": container port "abc" is not a number from 1 to 65535`},
		{in: []string{"8080:"}, wantErr: `invalid -p "8080:": container port is missing`},
		{in: []string{"0"}, wantErr: `invalid -p "0": container port "0" is not a number`},
		{in: []string{"70000:80"}, wantErr: `invalid -p "70000:80": host port "70000" is not a number`},
		{in: []string{"80/sctp"}, wantErr: "protocol sctp cannot be published rootless"},
		{in: []string{"80/icmp"}, wantErr: `unknown protocol "icmp"`},
		{in: []string{"localhost:8080:80"}, wantErr: `"localhost" is not an IP address`},
		{in: []string{"::1:8080:80"}, wantErr: "want [IP:][HOSTPORT:]CONTAINERPORT"},
		{in: []string{"[::1:8080:80"}, wantErr: "missing ]"},
		{in: []string{"[127.0.0.1]:8080:80"}, wantErr: `"127.0.0.1" is not an IPv6 address`},
		{in: []string{"1.2.3.4:5:6:7"}, wantErr: "want [IP:][HOSTPORT:]CONTAINERPORT"},
		{in: []string{"8000-8002:80"}, wantErr: "host range 8000-8002 has 3 ports, container range 80 has 1"},
		{in: []string{"90-80"}, wantErr: `range "90-80" ends before it starts`},
		{in: []string{"8080:80", "8080:81"}, wantErr: "host port 0.0.0.0:8080/tcp is published twice"},
		{in: []string{"8000-8005:80-85", "127.0.0.1:8003:90"}, wantErr: "host port 127.0.0.1:8003/tcp is published twice"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.in, " "), func(t *testing.T) {
			got, err := ParsePorts(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestExposedPorts(t *testing.T) {
	got := ExposedPorts(map[string]struct{}{"80/tcp": {}, "53/udp": {}, "8080": {}, "53/tcp": {}, "bogus/tcp": {}, "1/sctp": {}})
	want := []PortMapping{pm("", 0, 53, "tcp", 1), pm("", 0, 53, "udp", 1), pm("", 0, 80, "tcp", 1), pm("", 0, 8080, "tcp", 1)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	merged := MergePorts([]PortMapping{pm("", 8080, 80, "tcp", 1)}, got)
	want = []PortMapping{pm("", 8080, 80, "tcp", 1), pm("", 0, 53, "tcp", 1), pm("", 0, 53, "udp", 1), pm("", 0, 8080, "tcp", 1)}
	if !reflect.DeepEqual(merged, want) {
		t.Fatalf("MergePorts = %+v\nwant %+v", merged, want)
	}
}

func TestCompactPorts(t *testing.T) {
	in := []PortMapping{
		pm("", 8002, 8002, "udp", 1), pm("", 8000, 8000, "udp", 2), // merge into 8000-8002
		pm("127.0.0.1", 18080, 80, "tcp", 1),
		pm("", 9000, 9000, "tcp", 1), pm("", 9005, 9001, "tcp", 1), // host ports not consecutive: apart
	}
	want := []PortMapping{
		pm("127.0.0.1", 18080, 80, "tcp", 1),
		pm("", 8000, 8000, "udp", 3),
		pm("", 9000, 9000, "tcp", 1),
		pm("", 9005, 9001, "tcp", 1),
	}
	if got := CompactPorts(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestAllocatePorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := uint16(ln.Addr().(*net.TCPAddr).Port)

	_, err = allocatePorts([]PortMapping{pm("127.0.0.1", busy, 80, "tcp", 1)}, false)
	want := "publish 127.0.0.1:" + strconv.Itoa(int(busy)) + "/tcp: address already in use"
	if err == nil || err.Error() != want || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("busy port: %v, want %q wrapping EADDRINUSE", err, want)
	}
	// The wildcard address overlaps the loopback one.
	if _, err := allocatePorts([]PortMapping{pm("", busy, 80, "tcp", 1)}, false); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("busy port on the wildcard address: %v", err)
	}
	// UDP on the same number is another port.
	if _, err := allocatePorts([]PortMapping{pm("127.0.0.1", busy, 80, "udp", 1)}, false); err != nil {
		t.Fatalf("udp on a busy tcp port: %v", err)
	}

	got, err := allocatePorts([]PortMapping{pm("127.0.0.1", 0, 80, "tcp", 1), pm("127.0.0.1", 0, 80, "tcp", 3), pm("", 0, 53, "udp", 1)}, true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint16]bool{}
	for _, m := range got {
		if m.HostPort == 0 || m.Range == 0 {
			t.Fatalf("not allocated: %+v", m)
		}
		for i := uint16(0); i < m.Range; i++ {
			if m.Protocol == "tcp" && seen[m.HostPort+i] {
				t.Fatalf("port %d chosen twice: %+v", m.HostPort+i, got)
			}
			seen[m.HostPort+i] = true
		}
	}
	// Every chosen port is free again once allocatePorts returns.
	for _, m := range got[:2] {
		for i := uint16(0); i < m.Range; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(m.HostPort+i))))
			if err != nil {
				t.Fatalf("chosen port %d still held: %v", m.HostPort+i, err)
			}
			l.Close()
		}
	}
}
