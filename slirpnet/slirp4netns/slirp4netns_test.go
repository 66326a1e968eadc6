package slirp4netns

import (
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	o := Options{NetNS: "/proc/42/ns/net", Dir: "/d", EnableIPv6: true, OutboundAddr: "eth0"}
	want := "--configure --mtu=65520 --disable-host-loopback --enable-ipv6 --outbound-addr=eth0 --enable-sandbox --enable-seccomp " +
		"--api-socket slirp4netns.sock --netns-type=path --exit-fd=3 --ready-fd=4 /proc/42/ns/net tap0"
	if got := strings.Join(o.Args(3, 4, Features{Sandbox: true, Seccomp: true}), " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	o = Options{NetNS: "/n", MTU: 1500, CIDR: "10.9.0.0/24", AllowHostLoopback: true}
	want = "--configure --mtu=1500 --cidr=10.9.0.0/24 --api-socket slirp4netns.sock --netns-type=path --ready-fd=3 /n tap0"
	if got := strings.Join(o.Args(-1, 3, Features{}), " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAddresses(t *testing.T) {
	g, gw, dns, err := Addresses("")
	if err != nil || g.String() != "10.0.2.100" || gw.String() != "10.0.2.2" || dns.String() != "10.0.2.3" {
		t.Errorf("default: %v %v %v %v", g, gw, dns, err)
	}
	g, gw, dns, err = Addresses("172.16.5.0/24")
	if err != nil || g.String() != "172.16.5.100" || gw.String() != "172.16.5.2" || dns.String() != "172.16.5.3" {
		t.Errorf("172.16.5.0/24: %v %v %v %v", g, gw, dns, err)
	}
	for _, bad := range []string{"x", "fd00::/64", "10.0.2.0/28"} {
		if _, _, _, err := Addresses(bad); err == nil {
			t.Errorf("Addresses(%q) accepted", bad)
		}
	}
	if err := (Options{MTU: 70000}).Validate(); err == nil {
		t.Error("mtu 70000 accepted")
	}
}
