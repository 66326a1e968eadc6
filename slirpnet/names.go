package slirpnet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/slirpnet/pasta"
	"github.com/skiffproject/skiff/slirpnet/slirp4netns"
)

// HostContainersInternal is the name by which a container reaches its host.
const HostContainersInternal = "host.containers.internal"

// hostGatewayValue is --add-host's special address: host.containers.internal's.
const hostGatewayValue = "host-gateway"

// Addresses are what a network mode gives a container, as its names files need them.
type Addresses struct {
	// Container are the container's own addresses, IPv4 first; none for host, none and ns.
	Container []net.IP
	// HostGateway is the address of host.containers.internal (and of --add-host NAME:host-gateway),
	// nil when the mode has none.
	HostGateway net.IP
	// Nameservers are provided by the mode itself (slirp4netns's and pasta's forwarders) and listed
	// first.
	Nameservers []net.IP
	// NoHostDNS leaves the host's nameservers out. pasta 2023-03-09 rewrites the source of every reply
	// from the host's first nameserver to its forwarder address, so a container asking that nameserver
	// directly never gets an answer: with pasta only the forwarder is listed.
	NoHostDNS bool
	// HostNetwork means the container shares the host's network: resolv.conf is the host's.
	HostNetwork bool
}

// ErrSharedNames is returned for --network container:X: that container's names files are shared.
var ErrSharedNames = errors.New("a container that joins another container's network uses that container's /etc/hosts and /etc/resolv.conf")

// Addresses returns what m gives a container. For pasta it reads the host's default-route interface,
// which pasta copies; for slirp4netns it derives everything from the cidr option.
func (m Mode) Addresses() (Addresses, error) {
	switch m.Kind {
	case Slirp4netns:
		guest, gw, dns, err := slirp4netns.Addresses(m.option("cidr", ""))
		if err != nil {
			return Addresses{}, err
		}
		return Addresses{Container: []net.IP{guest}, HostGateway: gw, Nameservers: []net.IP{dns}}, nil
	case Pasta:
		t, err := pasta.HostTemplate()
		if err != nil {
			return Addresses{}, err
		}
		p, err := pasta.PlanFor(m.Args, t)
		if err != nil {
			return Addresses{}, err
		}
		a := Addresses{Container: p.Addrs, Nameservers: []net.IP{p.DNSForward}, NoHostDNS: true}
		if p.MapGW {
			a.HostGateway = p.Gateway // pasta maps the gateway address to the host's loopback
		} else {
			a.HostGateway = hostIP(p.Addrs)
		}
		return a, nil
	case Host:
		return Addresses{HostNetwork: true, HostGateway: hostIP(nil)}, nil
	case Container:
		return Addresses{}, ErrSharedNames
	}
	return Addresses{}, nil
}

// hostIP returns the host's first global address that is not one of exclude (pasta copies the host's
// address into the container, where it means the container itself), or nil.
func hostIP(exclude []net.IP) net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var v6 net.IP
next:
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		for _, e := range exclude {
			if e.Equal(ipn.IP) {
				continue next
			}
		}
		if ipn.IP.To4() != nil {
			return ipn.IP.To4()
		}
		if v6 == nil {
			v6 = ipn.IP
		}
	}
	return v6
}

// Names is what a container's /etc/hosts, /etc/resolv.conf and /etc/hostname are made from.
type Names struct {
	// ID is the container's full ID; its first 12 characters are its short ID.
	ID string
	// Name is the container's name.
	Name string
	// Hostname is --hostname; "" means DefaultHostname.
	Hostname string
	// AddHosts are --add-host values, NAME:IP (IP may be host-gateway).
	AddHosts []string
	// DNS, DNSSearch and DNSOptions are --dns, --dns-search and --dns-option; each replaces the host's
	// list when given. A DNSSearch of "." means no search domains.
	DNS, DNSSearch, DNSOptions []string
	// HostsBase is the file whose entries /etc/hosts starts with: "" means the host's /etc/hosts,
	// "none" means none (containers.conf base_hosts_file).
	HostsBase string
	// ResolvConf is the host's resolver configuration to start from; "" means /etc/resolv.conf (or
	// systemd-resolved's upstream list when that file only names its stub).
	ResolvConf string
}

// ShortID returns the first 12 characters of id.
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// DefaultHostname is a container's host name without --hostname: the host's own with --network host
// (as Podman does), its short ID otherwise.
func DefaultHostname(m Mode, id string) string {
	if m.Kind == Host {
		if h, err := os.Hostname(); err == nil {
			return h
		}
	}
	return ShortID(id)
}

// NameFiles are the files WriteNames wrote, for the caller to bind-mount.
type NameFiles struct {
	Hosts, ResolvConf, Hostname string
}

// WriteNames writes hosts, resolv.conf and hostname into dir, each atomically (a temporary file and a
// rename), for a container on network m.
func WriteNames(dir string, m Mode, n Names) (NameFiles, error) {
	a, err := m.Addresses()
	if err != nil {
		return NameFiles{}, err
	}
	if n.Hostname == "" {
		n.Hostname = DefaultHostname(m, n.ID)
	}
	hosts, err := HostsFile(a, n)
	if err != nil {
		return NameFiles{}, err
	}
	resolv, err := ResolvConf(a, n)
	if err != nil {
		return NameFiles{}, err
	}
	f := NameFiles{
		Hosts:      filepath.Join(dir, "hosts"),
		ResolvConf: filepath.Join(dir, "resolv.conf"),
		Hostname:   filepath.Join(dir, "hostname"),
	}
	for path, data := range map[string][]byte{f.Hosts: hosts, f.ResolvConf: resolv, f.Hostname: []byte(n.Hostname + "\n")} {
		if err := record.WriteFile(path, data, 0o644); err != nil {
			return NameFiles{}, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return f, nil
}

type hostEntry struct {
	ip    string
	names []string
}

// HostsFile renders /etc/hosts, in Podman's order: --add-host entries, the base file's entries, then
// localhost, host.containers.internal and the container's own addresses (name, host name and short ID),
// each name only where the file does not have it yet for that address family.
func HostsFile(a Addresses, n Names) ([]byte, error) {
	var entries []hostEntry
	for _, h := range n.AddHosts {
		name, ip, err := parseAddHost(h, a.HostGateway)
		if err != nil {
			return nil, err
		}
		entries = append(entries, hostEntry{ip, []string{name}})
	}
	base := n.HostsBase
	if base == "" {
		base = "/etc/hosts"
	}
	if base != "none" {
		be, err := readHosts(base)
		if err != nil && !(errors.Is(err, os.ErrNotExist) && n.HostsBase == "") {
			return nil, fmt.Errorf("read hosts base %s: %w", base, err)
		}
		entries = append(entries, be...)
	}
	hostname := n.Hostname
	if hostname == "" {
		hostname = ShortID(n.ID)
	}
	var own []string
	for _, s := range []string{hostname, n.Name, ShortID(n.ID)} {
		if s != "" && !contains(own, s) {
			own = append(own, s)
		}
	}
	extra := []hostEntry{{"127.0.0.1", []string{"localhost"}}, {"::1", []string{"localhost"}}}
	if a.HostGateway != nil {
		extra = append(extra, hostEntry{a.HostGateway.String(), []string{HostContainersInternal, "host.docker.internal"}})
	}
	ips := a.Container
	if len(ips) == 0 && !a.HostNetwork {
		ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	for _, ip := range ips {
		extra = append(extra, hostEntry{ip.String(), own})
	}
	if a.HostNetwork {
		// The host's name resolves through its own file; the container's name on the loopback.
		extra = append(extra, hostEntry{"127.0.0.1", own})
	}

	var b bytes.Buffer
	seen := map[string]bool{} // family + name
	key := func(ip, name string) string {
		if strings.Contains(ip, ":") {
			return "6 " + name
		}
		return "4 " + name
	}
	for _, e := range entries {
		for _, name := range e.names {
			seen[key(e.ip, name)] = true
		}
		fmt.Fprintf(&b, "%s\t%s\n", e.ip, strings.Join(e.names, " "))
	}
	for _, e := range extra {
		var free []string
		for _, name := range e.names {
			if !seen[key(e.ip, name)] {
				seen[key(e.ip, name)] = true
				free = append(free, name)
			}
		}
		if len(free) > 0 {
			fmt.Fprintf(&b, "%s\t%s\n", e.ip, strings.Join(free, " "))
		}
	}
	return b.Bytes(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func readHosts(path string) ([]hostEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []hostEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) >= 2 {
			out = append(out, hostEntry{fields[0], fields[1:]})
		}
	}
	return out, sc.Err()
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// ValidateAddHosts checks --add-host values (NAME:IP, or NAME:host-gateway) before anything runs.
func ValidateAddHosts(hosts []string) error {
	for _, h := range hosts {
		if _, _, err := parseAddHost(h, net.IPv4zero); err != nil {
			return err
		}
	}
	return nil
}

// parseAddHost splits NAME:IP at the first colon (an IPv6 address may be bracketed) and resolves
// host-gateway to gw.
func parseAddHost(s string, gw net.IP) (name, ip string, err error) {
	name, ip, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", fmt.Errorf("invalid --add-host %q: want NAME:IP", s)
	}
	if !hostnameRE.MatchString(name) {
		return "", "", fmt.Errorf("invalid --add-host %q: %q is not a host name", s, name)
	}
	if ip == hostGatewayValue {
		if gw == nil {
			return "", "", fmt.Errorf("invalid --add-host %q: this network has no address for the host", s)
		}
		return name, gw.String(), nil
	}
	ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
	parsed := net.ParseIP(ip)
	if parsed == nil {
		return "", "", fmt.Errorf("invalid --add-host %q: %q is not an IP address (or %s)", s, ip, hostGatewayValue)
	}
	return name, parsed.String(), nil
}

// ValidateDNS checks --dns values: each must be an IP address.
func ValidateDNS(servers []string) error {
	for _, s := range servers {
		if net.ParseIP(s) == nil {
			return fmt.Errorf("invalid --dns %q: not an IP address", s)
		}
	}
	return nil
}

// ValidateDNSSearch checks --dns-search values: domain names, or "." alone for none.
func ValidateDNSSearch(domains []string) error {
	for _, d := range domains {
		if d == "." && len(domains) == 1 {
			continue
		}
		if !hostnameRE.MatchString(strings.TrimSuffix(d, ".")) {
			return fmt.Errorf("invalid --dns-search %q: not a domain name", d)
		}
	}
	return nil
}

type resolvConf struct {
	nameservers, search, options []string
}

func readResolvConf(path string) (resolvConf, error) {
	var rc resolvConf
	b, err := os.ReadFile(path)
	if err != nil {
		return rc, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			rc.nameservers = append(rc.nameservers, f[1])
		case "search", "domain":
			rc.search = f[1:] // the last of search and domain wins, as in resolv.conf(5)
		case "options":
			rc.options = append(rc.options, f[1:]...)
		}
	}
	return rc, nil
}

// systemdResolvedUpstream lists the real nameservers when /etc/resolv.conf only names the stub.
const systemdResolvedUpstream = "/run/systemd/resolve/resolv.conf"

func isLocal(ns string) bool {
	ip := net.ParseIP(ns)
	return ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() || strings.Contains(ns, "%")
}

// ResolvConf renders /etc/resolv.conf. Nameservers: --dns if given; with the host's network the host's
// own; otherwise the mode's forwarder (slirp4netns's 10.0.2.3, pasta's 169.254.1.1), then, for
// slirp4netns, the host's that the container can reach (not loopback or link-local), and Podman's last
// resort (8.8.8.8, 8.8.4.4) when there is none. Search domains and options are the host's unless given.
func ResolvConf(a Addresses, n Names) ([]byte, error) {
	path := n.ResolvConf
	if path == "" {
		path = "/etc/resolv.conf"
	}
	host, err := readResolvConf(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if n.ResolvConf == "" && !a.HostNetwork && allLocal(host.nameservers) {
		if up, err := readResolvConf(systemdResolvedUpstream); err == nil && len(up.nameservers) > 0 {
			host.nameservers = up.nameservers
		}
	}
	var servers []string
	add := func(s string) {
		if !contains(servers, s) {
			servers = append(servers, s)
		}
	}
	switch {
	case len(n.DNS) > 0:
		for _, s := range n.DNS {
			add(s)
		}
	case a.HostNetwork:
		for _, s := range host.nameservers {
			add(s)
		}
	default:
		for _, ip := range a.Nameservers {
			add(ip.String())
		}
		for _, s := range host.nameservers {
			if !isLocal(s) && !a.NoHostDNS {
				add(s)
			}
		}
		if len(servers) == 0 {
			add("8.8.8.8")
			add("8.8.4.4")
		}
	}
	search := host.search
	if len(n.DNSSearch) > 0 {
		search = n.DNSSearch
		if len(search) == 1 && search[0] == "." {
			search = nil
		}
	}
	options := host.options
	if len(n.DNSOptions) > 0 {
		options = n.DNSOptions
	}
	var b bytes.Buffer
	if len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(options, " "))
	}
	return b.Bytes(), nil
}

func allLocal(servers []string) bool {
	for _, s := range servers {
		if !isLocal(s) {
			return false
		}
	}
	return len(servers) > 0
}
