package container

import (
	"reflect"
	"strings"
	"testing"

	"github.com/skiffproject/skiff/slirpnet"
)

func TestEncodePortsRoundTrip(t *testing.T) {
	ports := []slirpnet.PortMapping{
		{HostIP: "127.0.0.1", HostPort: 18080, ContainerPort: 80, Protocol: "tcp", Range: 1},
		{HostPort: 18053, ContainerPort: 53, Protocol: "udp", Range: 1},
		{HostIP: "::1", HostPort: 8000, ContainerPort: 9000, Protocol: "tcp", Range: 3},
	}
	s := encodePorts(ports)
	if want := "127.0.0.1:18080:80/tcp,18053:53/udp,[::1]:8000-8002:9000-9002/tcp"; s != want {
		t.Fatalf("encodePorts = %q, want %q", s, want)
	}
	c := &Container{State: State{Ports: s}}
	if got := c.runPorts(); !reflect.DeepEqual(got, ports) {
		t.Errorf("runPorts = %+v, want %+v", got, ports)
	}
}

func TestParseNetworkOptions(t *testing.T) {
	t.Setenv("CONTAINERS_CONF", "/nonexistent/containers.conf")
	tests := []struct {
		o       NetworkOptions
		mode    string
		wantErr string
	}{
		{NetworkOptions{}, "slirp4netns", ""},
		{NetworkOptions{Mode: "private"}, "slirp4netns", ""},
		{NetworkOptions{Mode: "slirp4netns:allow_host_loopback=true"}, "slirp4netns:allow_host_loopback=true", ""},
		{NetworkOptions{Mode: "pasta"}, "pasta", ""},
		{NetworkOptions{Mode: "none"}, "none", ""},
		{NetworkOptions{Mode: "host"}, "host", ""},
		{NetworkOptions{Mode: "container:web"}, "container:web", ""},
		{NetworkOptions{Mode: "ns:/run/netns/x"}, "ns:/run/netns/x", ""},
		{NetworkOptions{Mode: "bridge", Publish: []string{"80:80:80:80"}}, "", `invalid -p "80:80:80:80"`}, // the default network
		{NetworkOptions{Mode: "slirp4netns:mtu=x"}, "", "mtu"},
		{NetworkOptions{Publish: []string{"80:80:80:80"}}, "", `invalid -p "80:80:80:80"`},
		{NetworkOptions{Expose: []string{"http"}}, "", `invalid --expose "http"`},
		{NetworkOptions{Expose: []string{"80", "53/udp", "8000-8002"}}, "slirp4netns", ""},
		{NetworkOptions{AddHosts: []string{"nocolon"}}, "", "--add-host"},
		{NetworkOptions{DNS: []string{"dns.example"}}, "", "--dns"},
		{NetworkOptions{Mode: "container:web", DNS: []string{"1.1.1.1"}}, "", "--dns cannot be used with --network container:web"},
	}
	for _, tt := range tests {
		p, err := parseNetworkOptions(tt.o)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: error %v, want one containing %q", tt.o, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tt.o, err)
			continue
		}
		if got := p.mode.String(); got != tt.mode {
			t.Errorf("%+v: mode %q, want %q", tt.o, got, tt.mode)
		}
	}
}

func TestPortsColumnOfContainer(t *testing.T) {
	c := &Container{Config: Config{Network: NetworkConfig{
		Mode:    "slirp4netns",
		Ports:   []slirpnet.PortMapping{{HostIP: "127.0.0.1", HostPort: 18080, ContainerPort: 80, Protocol: "tcp", Range: 1}, {ContainerPort: 53, Protocol: "udp", Range: 1}},
		Exposed: map[string]struct{}{"9000/tcp": {}},
	}}}
	// Not started: the random port is not known yet, so its container port shows as exposed.
	if got, want := c.portsColumn(), "127.0.0.1:18080->80/tcp, 9000/tcp, 53/udp"; got != want {
		t.Errorf("created: PORTS = %q, want %q", got, want)
	}
	c.State.Ports = "127.0.0.1:18080:80/tcp,0.0.0.0:40000:53/udp"
	if got, want := c.portsColumn(), "0.0.0.0:40000->53/udp, 127.0.0.1:18080->80/tcp, 9000/tcp"; got != want {
		t.Errorf("running: PORTS = %q, want %q", got, want)
	}
}

func TestNetworkModeOfOldRecords(t *testing.T) {
	if m := (&Container{}).networkMode(); m.Kind != slirpnet.None {
		t.Errorf("a record without a network: mode %q, want none (the isolated namespace it always had)", m.Kind)
	}
}
