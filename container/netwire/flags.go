package netwire

import (
	"fmt"
	"strings"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/slirpnet"
)

// Flags are the network flags of create, run and pod create as a user types them. Front ends that
// take strings (the CLI, kube play, a containers.conf module) turn them into Options with ParseFlags;
// the engine itself only ever sees Options.
type Flags struct {
	Network                              string // --network
	Publish                              []string
	PublishAll                           bool
	Expose                               []string
	AddHosts, DNS, DNSSearch, DNSOptions []string
	NoHosts                              bool
	Aliases                              []string // --network-alias
	IP                                   string   // --ip
}

// ParseFlags parses and checks f: every error names the flag and the form it wants.
func ParseFlags(f Flags) (Options, error) {
	o := Options{PublishAll: f.PublishAll, AddHosts: f.AddHosts, DNS: f.DNS, DNSSearch: f.DNSSearch,
		DNSOptions: f.DNSOptions, NoHosts: f.NoHosts, Aliases: f.Aliases, IP: f.IP}
	var err error
	if o.Mode, o.Networks, err = ParseMode(f.Network); err != nil {
		return o, err
	}
	if o.Ports, err = slirpnet.ParsePorts(f.Publish); err != nil {
		return o, err
	}
	if o.Expose, err = ParseExpose(f.Expose); err != nil {
		return o, err
	}
	if err := slirpnet.ValidateAddHosts(f.AddHosts); err != nil {
		return o, err
	}
	if err := slirpnet.ValidateDNS(f.DNS); err != nil {
		return o, err
	}
	if err := slirpnet.ValidateDNSSearch(f.DNSSearch); err != nil {
		return o, err
	}
	return o, nil
}

// ParseMode parses a --network value: a mode (slirp4netns[:…], pasta[:…], none, host,
// container:X, ns:PATH; "" and private are the default, a zero Mode) or user-defined networks
// NAME[,NAME…].
func ParseMode(s string) (slirpnet.Mode, []string, error) {
	kind, _, _ := strings.Cut(s, ":")
	switch kind {
	case "", "private":
		if s != kind {
			_, err := slirpnet.ParseMode(s, "")
			return slirpnet.Mode{}, nil, err
		}
		return slirpnet.Mode{}, nil, nil
	case slirpnet.Slirp4netns, slirpnet.Pasta, slirpnet.None, slirpnet.Host, slirpnet.Container, slirpnet.NS:
		m, err := slirpnet.ParseMode(s, "")
		return m, nil, err
	}
	names := strings.Split(s, ",")
	for _, n := range names {
		if err := netbridge.ValidateName(n); err != nil {
			return slirpnet.Mode{}, nil, fmt.Errorf("--network: %w", err)
		}
	}
	return slirpnet.Mode{}, names, nil
}

// ParseExpose parses --expose values (PORT[/PROTO] or a range START-END[/PROTO]) into keys "80/tcp".
func ParseExpose(values []string) (map[string]struct{}, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := map[string]struct{}{}
	for _, e := range values {
		num, proto, ok := strings.Cut(e, "/")
		if !ok {
			proto = "tcp"
		}
		key := num + "/" + strings.ToLower(proto)
		if len(slirpnet.ExposedPorts(map[string]struct{}{key: {}})) == 0 {
			return nil, fmt.Errorf("invalid --expose %q: want PORT[/tcp|/udp] or a range START-END[/PROTO]", e)
		}
		out[key] = struct{}{}
	}
	return out, nil
}
