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
	if got := c.RunPorts(); !reflect.DeepEqual(got, ports) {
		t.Errorf("runPorts = %+v, want %+v", got, ports)
	}
}

func TestParseNetworkFlags(t *testing.T) {
	tests := []struct {
		f        NetworkFlags
		mode     string
		networks []string
		wantErr  string
	}{
		{NetworkFlags{}, "", nil, ""},
		{NetworkFlags{Network: "private"}, "", nil, ""},
		{NetworkFlags{Network: "private:x"}, "", nil, "takes no options"},
		{NetworkFlags{Network: "slirp4netns:allow_host_loopback=true"}, "slirp4netns:allow_host_loopback=true", nil, ""},
		{NetworkFlags{Network: "pasta"}, "pasta", nil, ""},
		{NetworkFlags{Network: "none"}, "none", nil, ""},
		{NetworkFlags{Network: "host"}, "host", nil, ""},
		{NetworkFlags{Network: "container:web"}, "container:web", nil, ""},
		{NetworkFlags{Network: "ns:/run/netns/x"}, "ns:/run/netns/x", nil, ""},
		{NetworkFlags{Network: "front,back"}, "", []string{"front", "back"}, ""},
		{NetworkFlags{Network: "bad name"}, "", nil, "--network"},
		{NetworkFlags{Network: "bridge", Publish: []string{"80:80:80:80"}}, "", nil, `invalid -p "80:80:80:80"`}, // the default network
		{NetworkFlags{Network: "slirp4netns:mtu=x"}, "", nil, "mtu"},
		{NetworkFlags{Publish: []string{"80:80:80:80"}}, "", nil, `invalid -p "80:80:80:80"`},
		{NetworkFlags{Expose: []string{"http"}}, "", nil, `invalid --expose "http"`},
		{NetworkFlags{Expose: []string{"80", "53/udp", "8000-8002"}}, "", nil, ""},
		{NetworkFlags{AddHosts: []string{"nocolon"}}, "", nil, "--add-host"},
		{NetworkFlags{DNS: []string{"dns.example"}}, "", nil, "--dns"},
	}
	for _, tt := range tests {
		o, err := ParseNetworkFlags(tt.f)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: error %v, want one containing %q", tt.f, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tt.f, err)
			continue
		}
		if got := o.Mode.String(); got != tt.mode {
			t.Errorf("%+v: mode %q, want %q", tt.f, got, tt.mode)
		}
		if !reflect.DeepEqual(o.Networks, tt.networks) {
			t.Errorf("%+v: networks %q, want %q", tt.f, o.Networks, tt.networks)
		}
	}
}

// TestNetworkConfigConflicts: the engine refuses combinations of typed options, whichever front end
// filled them, before it looks anything up.
func TestNetworkConfigConflicts(t *testing.T) {
	t.Setenv("CONTAINERS_CONF", "/nonexistent/containers.conf")
	web := slirpnet.Mode{Kind: slirpnet.Container, Target: "web"}
	tests := []struct {
		o       NetworkOptions
		wantErr string
	}{
		{NetworkOptions{Mode: web, DNS: []string{"1.1.1.1"}}, "--dns cannot be used with --network container:web"},
		{NetworkOptions{Mode: web, AddHosts: []string{"a:1.2.3.4"}}, "--add-host cannot be used"},
		{NetworkOptions{Aliases: []string{"db"}}, "--network-alias and --ip need --network NAME"},
		{NetworkOptions{Mode: slirpnet.Mode{Kind: slirpnet.None}, Ports: []slirpnet.PortMapping{{HostPort: 80, ContainerPort: 80, Protocol: "tcp", Range: 1}}}, "ports can only be published"},
	}
	for _, tt := range tests {
		err := (&Engine{}).networkConfig(tt.o, nil, &Config{})
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v: error %v, want one containing %q", tt.o, err, tt.wantErr)
		}
	}
}

func TestNetworkModeOfOldRecords(t *testing.T) {
	if m := (&Container{}).NetworkMode(); m.Kind != slirpnet.None {
		t.Errorf("a record without a network: mode %q, want none (the isolated namespace it always had)", m.Kind)
	}
}
