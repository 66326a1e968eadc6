package pasta

import (
	"net"
	"reflect"
	"strings"
	"testing"
)

func TestCommandArgs(t *testing.T) {
	o := Options{Dir: "/run/c/net", MTU: 1500, Forwards: []Forward{
		{Proto: "tcp", HostIP: "127.0.0.1", HostPort: 18080, ContainerPort: 80, Range: 1},
		{Proto: "tcp", HostPort: 8000, ContainerPort: 9000, Range: 3},
		{Proto: "udp", HostIP: "::1", HostPort: 18053, ContainerPort: 53},
	}}
	want := "--config-net --netns /proc/self/fd/3 -m 1500 -t 127.0.0.1/18080:80 -t 8000-8002:9000-9002 -u ::1/18053:53 " +
		"-T none -U none --no-map-gw --dns-forward 169.254.1.1 -q -P /run/c/net/pasta.pid -l /run/c/net/pasta.log"
	if got := strings.Join(o.CommandArgs(), " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The user's options replace skiff's defaults for the same thing and come last.
	o = Options{Dir: "/d", Args: []string{"--map-gw", "-T", "auto", "--mtu=9000", "-d", "--dns-forward", "10.0.0.1"}}
	want = "--config-net --netns /proc/self/fd/3 -t none -u none -U none -P /d/pasta.pid -l /d/pasta.log " +
		"-T auto --mtu=9000 -d --dns-forward 10.0.0.1"
	if got := strings.Join(o.CommandArgs(), " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCheckArgs(t *testing.T) {
	for _, a := range []string{"--netns", "--pid=/x", "-f", "--runas", "--no-netns-quit"} {
		if err := CheckArgs([]string{a}); err == nil {
			t.Errorf("CheckArgs(%q) accepted", a)
		}
	}
	if err := CheckArgs([]string{"-4", "-a", "10.0.0.2", "--map-gw"}); err != nil {
		t.Error(err)
	}
}

func TestPlanFor(t *testing.T) {
	tmpl := Template{Interface: "eth0", Addrs: []net.IP{net.ParseIP("192.0.2.2").To4(), net.ParseIP("fd00::2")}, Gateway: net.ParseIP("192.0.2.1").To4()}
	p, err := PlanFor(nil, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Addrs, tmpl.Addrs) || !p.Gateway.Equal(tmpl.Gateway) || p.MapGW || p.DNSForward.String() != DNSForward {
		t.Errorf("defaults: %+v", p)
	}
	p, err = PlanFor([]string{"-a", "10.0.2.10", "-g=10.0.2.1", "--map-gw", "--dns-forward", "10.0.2.3"}, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{p.Addrs[0].String(), p.Addrs[1].String(), p.Gateway.String(), p.DNSForward.String()}; !reflect.DeepEqual(got,
		[]string{"10.0.2.10", "fd00::2", "10.0.2.1", "10.0.2.3"}) || !p.MapGW {
		t.Errorf("with options: %v %+v", got, p)
	}
	if _, err := PlanFor([]string{"-g"}, tmpl); err == nil {
		t.Error("-g without a value accepted")
	}
}

func TestMessages(t *testing.T) {
	out := "Failed to send 51 bytes to syslog\nCouldn't open network namespace /x\nFailed to send 7 bytes to syslog\n"
	if got := messages(out); got != ": Couldn't open network namespace /x" {
		t.Errorf("messages = %q", got)
	}
}
