package slirpnet

import (
	"bytes"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

const testID = "3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6d7e8f90123456789abcdef0123456789"

func TestNamesGolden(t *testing.T) {
	slirp, err := (Mode{Kind: Slirp4netns}).Addresses()
	if err != nil {
		t.Fatal(err)
	}
	slirpCIDR, err := (Mode{Kind: Slirp4netns, Options: map[string]string{"cidr": "10.9.8.0/24"}}).Addresses()
	if err != nil {
		t.Fatal(err)
	}
	pastaAddrs := Addresses{Container: []net.IP{net.ParseIP("192.0.2.2").To4(), net.ParseIP("fd00::2")},
		Nameservers: []net.IP{net.ParseIP("169.254.1.1")}, NoHostDNS: true}
	pastaMapGW := pastaAddrs
	pastaMapGW.HostGateway = net.ParseIP("192.0.2.1").To4()
	host := Addresses{HostNetwork: true, HostGateway: net.ParseIP("192.0.2.2").To4()}

	base := Names{ID: testID, Name: "web", HostsBase: "testdata/hosts.base", ResolvConf: "testdata/resolv.search.conf"}
	with := func(f func(*Names)) Names { n := base; f(&n); return n }
	tests := []struct {
		name  string
		addrs Addresses
		names Names
	}{
		{"slirp4netns", slirp, base},
		{"slirp4netns-cidr-addhost", slirpCIDR, with(func(n *Names) {
			n.Hostname = "myhost"
			n.AddHosts = []string{"db:10.1.2.3", "gw:host-gateway", "v6:[2001:db8::1]", "web:10.1.1.1"}
		})},
		{"slirp4netns-dns-flags", slirp, with(func(n *Names) {
			n.DNS = []string{"1.1.1.1", "2606:4700:4700::1111"}
			n.DNSSearch = []string{"."}
			n.DNSOptions = []string{"ndots:2", "timeout:1"}
		})},
		{"pasta-stub-resolver", pastaAddrs, with(func(n *Names) {
			n.HostsBase = "testdata/hosts.minimal"
			n.ResolvConf = "testdata/resolv.stub.conf"
		})},
		{"pasta-map-gw", pastaMapGW, with(func(n *Names) { n.DNSSearch = []string{"svc.example.org"} })},
		{"host", host, with(func(n *Names) {
			n.Hostname = "buildhost"
			n.ResolvConf = "testdata/resolv.stub.conf"
		})},
		{"none", Addresses{}, with(func(n *Names) { n.HostsBase = "none"; n.ResolvConf = "testdata/resolv.stub.conf" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts, err := HostsFile(tt.addrs, tt.names)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".hosts", hosts)
			resolv, err := ResolvConf(tt.addrs, tt.names)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".resolv", resolv)
		})
	}
}

func TestWriteNames(t *testing.T) {
	dir := t.TempDir()
	f, err := WriteNames(dir, Mode{Kind: Slirp4netns}, Names{ID: testID, Name: "web", HostsBase: "none",
		ResolvConf: "testdata/resolv.search.conf", AddHosts: []string{"h:host-gateway"}})
	if err != nil {
		t.Fatal(err)
	}
	hostname, _ := os.ReadFile(f.Hostname)
	hosts, _ := os.ReadFile(f.Hosts)
	resolv, _ := os.ReadFile(f.ResolvConf)
	if string(hostname) != "3f2a9c0d1e4b\n" {
		t.Errorf("hostname = %q", hostname)
	}
	if !strings.HasPrefix(string(hosts), "10.0.2.2\th\n") || !strings.Contains(string(hosts), "10.0.2.100\t3f2a9c0d1e4b web\n") {
		t.Errorf("hosts:\n%s", hosts)
	}
	if !strings.Contains(string(resolv), "nameserver 10.0.2.3\n") {
		t.Errorf("resolv.conf:\n%s", resolv)
	}
	// No temporary files are left next to them.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("dir holds %d files", len(entries))
	}
	if _, err := WriteNames(dir, Mode{Kind: Container, Target: "x"}, Names{}); !errors.Is(err, ErrSharedNames) {
		t.Errorf("container mode: %v", err)
	}
}

func TestNamesValidation(t *testing.T) {
	for _, tt := range []struct {
		hosts []string
		err   string
	}{
		{[]string{"db:10.0.0.1", "gw:host-gateway", "v6:[::1]", "v6b:fd00::1", "a.b-c:1.2.3.4"}, ""},
		{[]string{"db"}, `invalid --add-host "db": want NAME:IP`},
		{[]string{"db:nope"}, `invalid --add-host "db:nope": "nope" is not an IP address (or host-gateway)`},
		{[]string{"b@d:1.2.3.4"}, `invalid --add-host "b@d:1.2.3.4": "b@d" is not a host name`},
		{[]string{":1.2.3.4"}, `"" is not a host name`},
	} {
		err := ValidateAddHosts(tt.hosts)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ValidateAddHosts(%q) = %v, want %q", tt.hosts, err, tt.err)
		}
	}
	if _, err := HostsFile(Addresses{}, Names{ID: testID, HostsBase: "none", AddHosts: []string{"gw:host-gateway"}}); err == nil ||
		!strings.Contains(err.Error(), "this network has no address for the host") {
		t.Errorf("host-gateway without a host address: %v", err)
	}
	if err := ValidateDNS([]string{"1.1.1.1", "::1"}); err != nil {
		t.Error(err)
	}
	if err := ValidateDNS([]string{"dns.google"}); err == nil || err.Error() != `invalid --dns "dns.google": not an IP address` {
		t.Errorf("ValidateDNS: %v", err)
	}
	if err := ValidateDNSSearch([]string{"."}); err != nil {
		t.Error(err)
	}
	if err := ValidateDNSSearch([]string{"example.org", "a b"}); err == nil {
		t.Error("ValidateDNSSearch accepted a space")
	}
}
