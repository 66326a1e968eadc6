package slirpnet

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestPortsColumn(t *testing.T) {
	tests := []struct {
		name    string
		ports   []PortMapping
		exposed map[string]struct{}
		want    string
	}{
		{"none", nil, nil, ""},
		{"brief example", []PortMapping{pm("127.0.0.1", 18080, 80, "tcp", 1), pm("", 8000, 8000, "udp", 3)}, nil,
			"127.0.0.1:18080->80/tcp, 0.0.0.0:8000-8002->8000-8002/udp"},
		{"separate -p merged like Podman", []PortMapping{pm("", 8001, 8001, "tcp", 1), pm("", 8000, 8000, "tcp", 1), pm("", 8002, 8002, "tcp", 1)}, nil,
			"0.0.0.0:8000-8002->8000-8002/tcp"},
		{"tcp and udp of one port", []PortMapping{pm("", 18053, 53, "udp", 1), pm("", 18053, 53, "tcp", 1)}, nil,
			"0.0.0.0:18053->53/tcp, 0.0.0.0:18053->53/udp"},
		{"ipv6 as Podman prints it", []PortMapping{pm("::1", 8080, 80, "tcp", 1)}, nil, "::1:8080->80/tcp"},
		{"exposed only", nil, map[string]struct{}{"9000/tcp": {}, "9001/tcp": {}, "9002": {}, "53/udp": {}}, "9000-9002/tcp, 53/udp"},
		{"exposed and published", []PortMapping{pm("", 8080, 80, "tcp", 1)}, map[string]struct{}{"80/tcp": {}, "443/tcp": {}},
			"0.0.0.0:8080->80/tcp, 443/tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PortsColumn(tt.ports, tt.exposed); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPortLines(t *testing.T) {
	ports := []PortMapping{pm("127.0.0.1", 18080, 80, "tcp", 1), pm("", 8000, 8000, "udp", 2), pm("::1", 9090, 90, "tcp", 1)}
	want := []string{
		"80/tcp -> 127.0.0.1:18080",
		"90/tcp -> ::1:9090",
		"8000/udp -> 0.0.0.0:8000",
		"8001/udp -> 0.0.0.0:8001",
	}
	if got := PortLines(ports); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, tt := range []struct {
		query, want, wantErr string
	}{
		{"80", "127.0.0.1:18080", ""},
		{"80/tcp", "127.0.0.1:18080", ""},
		{"8001/udp", "0.0.0.0:8001", ""},
		{"8001", "", `failed to find published port "8001/tcp"`},
		{"x", "", `invalid port "x"`},
		{"80/sctp", "", `invalid port "80/sctp"`},
	} {
		got, err := LookupPort(ports, tt.query)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LookupPort(%q) = %v, want error %q", tt.query, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != 1 || got[0] != tt.want {
			t.Errorf("LookupPort(%q) = %q, %v; want %q", tt.query, got, err, tt.want)
		}
	}
}

func TestInspectPorts(t *testing.T) {
	got := InspectPorts([]PortMapping{pm("127.0.0.1", 18080, 80, "tcp", 1), pm("", 8000, 8000, "udp", 2)},
		map[string]struct{}{"80/tcp": {}, "443/tcp": {}})
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"443/tcp":null,"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}],"8000/udp":[{"HostIp":"","HostPort":"8000"}],"8001/udp":[{"HostIp":"","HostPort":"8001"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
