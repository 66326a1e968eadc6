package slirpnet

import (
	"net"
	"reflect"
	"testing"

	"github.com/skiffproject/skiff/slirpnet/keeper"
)

func TestPlanPorts(t *testing.T) {
	guest := net.ParseIP("10.0.2.100")
	ports := []PortMapping{
		pm("127.0.0.1", 18080, 80, "tcp", 1),
		pm("", 18053, 53, "udp", 1),
		pm("127.0.0.1", 18054, 54, "udp", 1),
		pm("192.0.2.2", 8443, 443, "tcp", 1),
		pm("::1", 9090, 90, "tcp", 1),
		pm("", 8000, 8000, "tcp", 2),
	}
	lo := func(ip string, host, ctr int) keeper.Forward {
		return keeper.Forward{Proto: "udp", HostIP: ip, HostPort: host, ChildPort: ctr}
	}
	rk := func(proto, ip string, host int, child string, ctr int) keeper.Forward {
		return keeper.Forward{Proto: proto, HostIP: ip, HostPort: host, ChildIP: child, ChildPort: ctr}
	}
	loV6 := func(host, ctr int) []keeper.Forward {
		if hasIPv6() {
			return []keeper.Forward{lo("::1", host, ctr)}
		}
		return nil
	}

	t.Run("pasta", func(t *testing.T) {
		got := planPorts(Mode{Kind: Pasta}, nil, ports)
		want := portPlan{
			helper:      []PortMapping{ports[0], ports[1], ports[3], ports[4], ports[5]},
			udpLoopback: append(append([]keeper.Forward{lo("127.0.0.1", 18053, 53)}, loV6(18053, 53)...), lo("127.0.0.1", 18054, 54)),
		}
		check(t, got, want)
		if !got.needKeeper(Mode{Kind: Pasta}) {
			t.Error("pasta runs without a keeper")
		}
	})
	t.Run("slirp4netns", func(t *testing.T) {
		m := Mode{Kind: Slirp4netns}
		got := planPorts(m, guest, ports)
		want := portPlan{
			helper: []PortMapping{ports[1], ports[3], ports[5]},
			rootlesskit: []keeper.Forward{
				rk("tcp", "127.0.0.1", 18080, "127.0.0.1", 80),
				rk("tcp", "::1", 9090, "127.0.0.1", 90),
			},
			udpLoopback: append(append([]keeper.Forward{lo("127.0.0.1", 18053, 53)}, loV6(18053, 53)...), lo("127.0.0.1", 18054, 54)),
		}
		check(t, got, want)
		if p := planPorts(m, guest, []PortMapping{pm("", 80, 80, "tcp", 1)}); p.needKeeper(m) {
			t.Error("slirp4netns with only a wildcard TCP port needs no keeper")
		}
	})
	t.Run("rootlesskit", func(t *testing.T) {
		got := planPorts(Mode{Kind: Slirp4netns, Options: map[string]string{"port_handler": "rootlesskit"}}, guest, ports[:2])
		want := portPlan{rootlesskit: []keeper.Forward{
			rk("tcp", "127.0.0.1", 18080, "10.0.2.100", 80),
			rk("udp", "", 18053, "10.0.2.100", 53),
		}}
		check(t, got, want)
	})
}

func check(t *testing.T, got, want portPlan) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
