package slirpnet

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr string
	}{
		{in: "", want: Mode{Kind: Pasta}}, // the caller's default
		{in: "private", want: Mode{Kind: Pasta}},
		{in: "slirp4netns", want: Mode{Kind: Slirp4netns}},
		{in: "slirp4netns:", want: Mode{Kind: Slirp4netns}},
		{in: "slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.9.0.0/24,port_handler=rootlesskit,enable_ipv6=false,outbound_addr=eth0",
			want: Mode{Kind: Slirp4netns, Options: map[string]string{"allow_host_loopback": "true", "mtu": "1500",
				"cidr": "10.9.0.0/24", "port_handler": "rootlesskit", "enable_ipv6": "false", "outbound_addr": "eth0"}}},
		{in: "slirp4netns:outbound_addr6=fd00::1", want: Mode{Kind: Slirp4netns, Options: map[string]string{"outbound_addr6": "fd00::1"}}},
		{in: "pasta", want: Mode{Kind: Pasta}},
		{in: "pasta:--ipv4-only,-a,10.0.2.10,--map-gw", want: Mode{Kind: Pasta, Args: []string{"--ipv4-only", "-a", "10.0.2.10", "--map-gw"}}},
		{in: "none", want: Mode{Kind: None}},
		{in: "host", want: Mode{Kind: Host}},
		{in: "container:web", want: Mode{Kind: Container, Target: "web"}},
		{in: "ns:/run/netns/x/", want: Mode{Kind: NS, Target: "/run/netns/x"}},

		{in: "bogus", wantErr: `invalid --network "bogus": unknown network mode "bogus" (want slirp4netns[:OPTION=VALUE,...], pasta[:ARG,...], none, host, container:NAME|ID or ns:PATH)`},
		{in: "bridge", wantErr: "bridge networks need root"},
		{in: "host:x", wantErr: `"host" takes no options`},
		{in: "none:x", wantErr: `"none" takes no options`},
		{in: "private:x", wantErr: `"private" takes no options`},
		{in: "container:", wantErr: "container: needs a container name or ID"},
		{in: "ns:", wantErr: "ns: needs an absolute path"},
		{in: "ns:relative", wantErr: "ns: needs an absolute path"},
		{in: "slirp4netns:foo=1", wantErr: `unknown slirp4netns option "foo", valid are allow_host_loopback, cidr, enable_ipv6, mtu, outbound_addr, outbound_addr6, port_handler`},
		{in: "slirp4netns:mtu", wantErr: `slirp4netns option "mtu" needs a value`},
		{in: "slirp4netns:mtu=70000", wantErr: "slirp4netns option mtu=70000: want a number from 68 to 65521"},
		{in: "slirp4netns:allow_host_loopback=yes please", wantErr: "want true or false"},
		{in: "slirp4netns:port_handler=builtin", wantErr: "want slirp4netns or rootlesskit"},
		{in: "slirp4netns:cidr=10.0.2.0/30", wantErr: "the prefix must be /25 or shorter"},
		{in: "slirp4netns:cidr=fd00::/64", wantErr: "want an IPv4 network"},
		{in: "slirp4netns:outbound_addr=fd00::1", wantErr: "want an IPv4 address or an interface name"},
		{in: "pasta:--netns,/tmp/x", wantErr: "option --netns is set by skiff"},
		{in: "pasta:-a", wantErr: "option -a needs a value"},
		{in: "pasta:-a,banana", wantErr: `option -a "banana": not an IP address`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMode(tt.in, Pasta)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMode(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "want slirp4netns[:OPTION=VALUE,...]") {
					t.Errorf("error %q does not list the valid forms", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMode(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseMode(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			// String renders what ParseMode takes back.
			again, err := ParseMode(got.String(), Pasta)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("ParseMode(%q.String() = %q) = %#v, %v", tt.in, got.String(), again, err)
			}
		})
	}
}

func TestParseModeDefault(t *testing.T) {
	if m, err := ParseMode("", Slirp4netns); err != nil || m.Kind != Slirp4netns {
		t.Errorf("ParseMode(\"\", slirp4netns) = %v, %v", m, err)
	}
	if m, err := ParseMode("", ""); err != nil || m.Kind != BuiltinDefault {
		t.Errorf("ParseMode(\"\", \"\") = %v, %v", m, err)
	}
	if _, err := ParseMode("", "vpnkit"); err == nil {
		t.Error("ParseMode with default vpnkit: no error")
	}
}

func TestModeProperties(t *testing.T) {
	for _, tt := range []struct {
		in              string
		newNS, helper   bool
		handler, string string
	}{
		{"slirp4netns", true, true, HandlerSlirp4netns, "slirp4netns"},
		{"slirp4netns:port_handler=rootlesskit,mtu=1500", true, true, HandlerRootlesskit, "slirp4netns:mtu=1500,port_handler=rootlesskit"},
		{"pasta:-4", true, true, "", "pasta:-4"},
		{"none", true, false, "", "none"},
		{"host", false, false, "", "host"},
		{"container:abc", false, false, "", "container:abc"},
		{"ns:/proc/1/ns/net", false, false, "", "ns:/proc/1/ns/net"},
	} {
		m, err := ParseMode(tt.in, Pasta)
		if err != nil {
			t.Fatal(err)
		}
		if m.NewNetNS() != tt.newNS || m.HasHelper() != tt.helper || m.PortHandler() != tt.handler || m.String() != tt.string {
			t.Errorf("%s: NewNetNS %v HasHelper %v PortHandler %q String %q", tt.in, m.NewNetNS(), m.HasHelper(), m.PortHandler(), m.String())
		}
	}
}

func TestCheckPorts(t *testing.T) {
	ports := []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp", Range: 1}}
	if err := (Mode{Kind: Pasta}).CheckPorts(ports); err != nil {
		t.Errorf("pasta: %v", err)
	}
	err := (Mode{Kind: Host}).CheckPorts(ports)
	if !errors.Is(err, ErrNoPublish) || err.Error() != "--network host: ports can only be published with --network slirp4netns or pasta" {
		t.Errorf("host: %v", err)
	}
	if err := (Mode{Kind: None}).CheckPorts(nil); err != nil {
		t.Errorf("none without ports: %v", err)
	}
}
