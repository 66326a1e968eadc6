package netwire

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/slirpnet"
)

func TestEncodePortsRoundTrip(t *testing.T) {
	ports := []slirpnet.PortMapping{
		{HostIP: "127.0.0.1", HostPort: 18080, ContainerPort: 80, Protocol: "tcp", Range: 1},
		{HostPort: 18053, ContainerPort: 53, Protocol: "udp", Range: 1},
		{HostIP: "::1", HostPort: 8000, ContainerPort: 9000, Protocol: "tcp", Range: 3},
	}
	s := EncodePorts(ports)
	if want := "127.0.0.1:18080:80/tcp,18053:53/udp,[::1]:8000-8002:9000-9002/tcp"; s != want {
		t.Fatalf("EncodePorts = %q, want %q", s, want)
	}
	if got := DecodePorts(s); !reflect.DeepEqual(got, ports) {
		t.Errorf("DecodePorts = %+v, want %+v", got, ports)
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		f        Flags
		mode     string
		networks []string
		wantErr  string
	}{
		{Flags{}, "", nil, ""},
		{Flags{Network: "private"}, "", nil, ""},
		{Flags{Network: "private:x"}, "", nil, "takes no options"},
		{Flags{Network: "slirp4netns:allow_host_loopback=true"}, "slirp4netns:allow_host_loopback=true", nil, ""},
		{Flags{Network: "pasta"}, "pasta", nil, ""},
		{Flags{Network: "none"}, "none", nil, ""},
		{Flags{Network: "host"}, "host", nil, ""},
		{Flags{Network: "container:web"}, "container:web", nil, ""},
		{Flags{Network: "ns:/run/netns/x"}, "ns:/run/netns/x", nil, ""},
		{Flags{Network: "front,back"}, "", []string{"front", "back"}, ""},
		{Flags{Network: "bad name"}, "", nil, "--network"},
		{Flags{Network: "bridge", Publish: []string{"80:80:80:80"}}, "", nil, `invalid -p "80:80:80:80"`}, // the default network
		{Flags{Network: "slirp4netns:mtu=x"}, "", nil, "mtu"},
		{Flags{Publish: []string{"80:80:80:80"}}, "", nil, `invalid -p "80:80:80:80"`},
		{Flags{Expose: []string{"http"}}, "", nil, `invalid --expose "http"`},
		{Flags{Expose: []string{"80", "53/udp", "8000-8002"}}, "", nil, ""},
		{Flags{AddHosts: []string{"nocolon"}}, "", nil, "--add-host"},
		{Flags{DNS: []string{"dns.example"}}, "", nil, "--dns"},
	}
	for _, tt := range tests {
		o, err := ParseFlags(tt.f)
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

// TestResolveConflicts: Resolve refuses combinations of typed options, whichever front end
// filled them, before it looks anything up.
func TestResolveConflicts(t *testing.T) {
	t.Setenv("CONTAINERS_CONF", "/nonexistent/containers.conf")
	web := slirpnet.Mode{Kind: slirpnet.Container, Target: "web"}
	tests := []struct {
		o       Options
		wantErr string
	}{
		{Options{Mode: web, DNS: []string{"1.1.1.1"}}, "--dns cannot be used with --network container:web"},
		{Options{Mode: web, AddHosts: []string{"a:1.2.3.4"}}, "--add-host cannot be used"},
		{Options{Aliases: []string{"db"}}, "--network-alias and --ip need --network NAME"},
		{Options{Mode: slirpnet.Mode{Kind: slirpnet.None}, Ports: []slirpnet.PortMapping{{HostPort: 80, ContainerPort: 80, Protocol: "tcp", Range: 1}}}, "ports can only be published"},
	}
	for _, tt := range tests {
		_, _, err := Resolve(tt.o, nil, nil, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v: error %v, want one containing %q", tt.o, err, tt.wantErr)
		}
	}
}

func TestNetworkModeOfOldRecords(t *testing.T) {
	if m := (Config{}).ParsedMode("0123456789abcdef"); m.Kind != slirpnet.None {
		t.Errorf("a record without a network: mode %q, want none (the isolated namespace it always had)", m.Kind)
	}
}

func TestAddRemoveNetwork(t *testing.T) {
	n := Config{Mode: BridgeMode, Networks: []netbridge.Request{{Network: "front"}}}
	if err := AddNetwork(netbridge.Request{Network: "back"})("web", &n); err != nil || len(n.Networks) != 2 {
		t.Fatalf("add back: %v, %+v", err, n.Networks)
	}
	if err := AddNetwork(netbridge.Request{Network: "back"})("web", &n); !errors.Is(err, netbridge.ErrExists) {
		t.Errorf("add back again: %v, want ErrExists", err)
	}
	if err := RemoveNetwork("nope")("web", &n); err == nil {
		t.Error("remove a network it is not on: no error")
	}
	if err := RemoveNetwork("front")("web", &n); err != nil || len(n.Networks) != 1 || n.Networks[0].Network != "back" {
		t.Errorf("remove front: %v, %+v", err, n.Networks)
	}
	if err := RemoveNetwork("back")("web", &n); err == nil {
		t.Error("remove the last network: no error")
	}
	slirp := Config{Mode: "slirp4netns"}
	if err := AddNetwork(netbridge.Request{Network: "back"})("web", &slirp); err == nil || !strings.Contains(err.Error(), "only containers on networks") {
		t.Errorf("connect a slirp4netns container: %v", err)
	}
}
