package netbridge

import (
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func cidr(t *testing.T, s string) *net.IPNet {
	t.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func cidrs(t *testing.T, ss ...string) []*net.IPNet {
	out := []*net.IPNet{} // not nil: nil routes read the host's
	for _, s := range ss {
		out = append(out, cidr(t, s))
	}
	return out
}

func TestAllocSubnet(t *testing.T) {
	var allPool []string
	for i := range 256 {
		allPool = append(allPool, "10.89."+strconv.Itoa(i)+".0/24")
	}
	for _, tc := range []struct {
		name            string
		subnet, gateway string
		used, routes    []string
		wantSubnet      string
		wantGateway     string
		wantErr         error
	}{
		{name: "first /24 of the pool", wantSubnet: "10.89.0.0/24", wantGateway: "10.89.0.1"},
		{name: "skips the subnets of other networks", used: []string{"10.89.0.0/24", "10.89.1.0/24"},
			wantSubnet: "10.89.2.0/24", wantGateway: "10.89.2.1"},
		{name: "skips the host's routes", routes: []string{"10.89.0.0/23"}, wantSubnet: "10.89.2.0/24", wantGateway: "10.89.2.1"},
		{name: "skips a used subnet larger than a /24", used: []string{"10.89.0.0/22"}, routes: []string{"10.89.4.0/24"},
			wantSubnet: "10.89.5.0/24", wantGateway: "10.89.5.1"},
		{name: "takes a gap between used subnets", used: []string{"10.89.0.0/24", "10.89.2.0/24"},
			wantSubnet: "10.89.1.0/24", wantGateway: "10.89.1.1"},
		{name: "pool exhausted by networks", used: allPool, wantErr: ErrNoSubnet},
		{name: "pool covered by a host route", routes: []string{"10.0.0.0/8"}, wantErr: ErrNoSubnet},
		{name: "given subnet", subnet: "192.168.7.0/24", wantSubnet: "192.168.7.0/24", wantGateway: "192.168.7.1"},
		{name: "given subnet ignores host routes", subnet: "192.168.7.0/24", routes: []string{"192.168.0.0/16"},
			wantSubnet: "192.168.7.0/24", wantGateway: "192.168.7.1"},
		{name: "given subnet and gateway", subnet: "192.168.7.0/24", gateway: "192.168.7.254",
			wantSubnet: "192.168.7.0/24", wantGateway: "192.168.7.254"},
		{name: "given subnet, host bits cleared", subnet: "192.168.7.9/24", wantSubnet: "192.168.7.0/24", wantGateway: "192.168.7.1"},
		{name: "given subnet overlapping a network", subnet: "10.89.0.128/25", used: []string{"10.89.0.0/24"}, wantErr: ErrInvalid},
		{name: "given subnet containing a network", subnet: "10.89.0.0/16", used: []string{"10.89.3.0/24"}, wantErr: ErrInvalid},
		{name: "given subnet too small", subnet: "192.168.7.0/31", wantErr: ErrInvalid},
		{name: "given subnet not a CIDR", subnet: "192.168.7.0", wantErr: ErrInvalid},
		{name: "given IPv6 subnet", subnet: "fd00::/64", wantErr: ErrInvalid},
		{name: "gateway outside the subnet", subnet: "192.168.7.0/24", gateway: "192.168.8.1", wantErr: ErrInvalid},
		{name: "gateway is the network address", subnet: "192.168.7.0/24", gateway: "192.168.7.0", wantErr: ErrInvalid},
		{name: "gateway is the broadcast address", subnet: "192.168.7.0/24", gateway: "192.168.7.255", wantErr: ErrInvalid},
		{name: "gateway not an address", subnet: "192.168.7.0/24", gateway: "gw", wantErr: ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn, gw, err := allocSubnet(tc.subnet, tc.gateway, cidrs(t, tc.used...), cidrs(t, tc.routes...))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("allocSubnet = %v %v, %v; want %v", sn, gw, err, tc.wantErr)
				}
				return
			}
			if err != nil || sn.String() != tc.wantSubnet || gw.String() != tc.wantGateway {
				t.Fatalf("allocSubnet = %v %v, %v; want %s %s", sn, gw, err, tc.wantSubnet, tc.wantGateway)
			}
		})
	}
}

// member is a container on networks with the given addresses (network name: IP).
func member(id string, ips map[string]string) *Member {
	m := &Member{ID: id, Name: id, NetNS: filepath.Join("/nonexistent", id)}
	for n, ip := range ips {
		m.Endpoints = append(m.Endpoints, Endpoint{Network: n, IP: ip})
	}
	return m
}

func TestAllocIP(t *testing.T) {
	web := &Network{Name: "web", Subnets: []Subnet{{Subnet: "10.89.0.0/24", Gateway: "10.89.0.1"}}}
	tiny := &Network{Name: "tiny", Subnets: []Subnet{{Subnet: "192.168.9.0/30", Gateway: "192.168.9.1"}}}
	highGW := &Network{Name: "high", Subnets: []Subnet{{Subnet: "10.90.0.0/24", Gateway: "10.90.0.254"}}}
	for _, tc := range []struct {
		name    string
		n       *Network
		members []*Member
		want    string // --ip
		wantIP  string
		wantErr error
	}{
		{name: "first host address after the gateway", n: web, wantIP: "10.89.0.2"},
		{name: "lowest free address", n: web, members: []*Member{
			member("a", map[string]string{"web": "10.89.0.2"}), member("b", map[string]string{"web": "10.89.0.4"}),
		}, wantIP: "10.89.0.3"},
		{name: "other networks' addresses do not count", n: web, members: []*Member{
			member("a", map[string]string{"db": "10.89.0.2"}),
		}, wantIP: "10.89.0.2"},
		{name: "gateway not first", n: highGW, wantIP: "10.90.0.1"},
		{name: "asked address", n: web, want: "10.89.0.77", wantIP: "10.89.0.77"},
		{name: "asked address in use", n: web, want: "10.89.0.2", members: []*Member{
			member("a", map[string]string{"web": "10.89.0.2"}),
		}, wantErr: ErrInvalid},
		{name: "asked address is the gateway", n: web, want: "10.89.0.1", wantErr: ErrInvalid},
		{name: "asked address is the network address", n: web, want: "10.89.0.0", wantErr: ErrInvalid},
		{name: "asked address is the broadcast address", n: web, want: "10.89.0.255", wantErr: ErrInvalid},
		{name: "asked address outside the subnet", n: web, want: "10.89.1.5", wantErr: ErrInvalid},
		{name: "asked address not an IPv4 address", n: web, want: "fd00::5", wantErr: ErrInvalid},
		{name: "last address of a /30", n: tiny, wantIP: "192.168.9.2"},
		{name: "exhausted /30", n: tiny, members: []*Member{
			member("a", map[string]string{"tiny": "192.168.9.2"}),
		}, wantErr: ErrNoAddress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &shared{dir: t.TempDir(), st: &state{Members: map[string]*Member{}, Bridges: map[string]*bridgeInfo{}}}
			for _, m := range tc.members {
				s.st.Members[m.ID] = m
			}
			ip, err := s.allocIP(tc.n, tc.want)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("allocIP = %v, %v; want %v", ip, err, tc.wantErr)
				}
				return
			}
			if err != nil || ip.String() != tc.wantIP {
				t.Fatalf("allocIP = %v, %v; want %s", ip, err, tc.wantIP)
			}
		})
	}
}

// TestAddressRelease allocates every address of a small network, releases one member's and checks that
// exactly that address is handed out again.
func TestAddressRelease(t *testing.T) {
	n := &Network{Name: "small", Subnets: []Subnet{{Subnet: "10.89.5.0/29", Gateway: "10.89.5.1"}}}
	s := &shared{dir: t.TempDir(), st: &state{Members: map[string]*Member{}, Bridges: map[string]*bridgeInfo{}}}
	var got []string
	for i := range 5 { // .2 to .6: a /29 has six host addresses, one is the gateway
		ip, err := s.allocIP(n, "")
		if err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
		id := "c" + strconv.Itoa(i)
		s.st.Members[id] = member(id, map[string]string{n.Name: ip.String()})
		got = append(got, ip.String())
	}
	if want := "10.89.5.2 10.89.5.3 10.89.5.4 10.89.5.5 10.89.5.6"; strings.Join(got, " ") != want {
		t.Fatalf("allocated %s, want %s", strings.Join(got, " "), want)
	}
	if ip, err := s.allocIP(n, ""); !errors.Is(err, ErrNoAddress) {
		t.Fatalf("allocation in a full network = %v, %v; want ErrNoAddress", ip, err)
	}
	s.removeMember(s.st.Members["c2"])
	ip, err := s.allocIP(n, "")
	if err != nil || ip.String() != "10.89.5.4" {
		t.Fatalf("allocation after c2 left = %v, %v; want its address 10.89.5.4", ip, err)
	}
	if _, ok := s.st.Members["c2"]; ok {
		t.Error("removeMember kept the member")
	}
}
