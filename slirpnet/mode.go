package slirpnet

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/skiffproject/skiff/slirpnet/pasta"
	"github.com/skiffproject/skiff/slirpnet/slirp4netns"
)

// Kinds of network, as --network names them.
const (
	// Slirp4netns connects a new network namespace through slirp4netns (10.0.2.0/24 by default).
	Slirp4netns = "slirp4netns"
	// Pasta connects a new network namespace through pasta, which copies the host's addresses.
	Pasta = "pasta"
	// None gives a new network namespace with only lo.
	None = "none"
	// Host uses the host's network namespace.
	Host = "host"
	// Container joins the network namespace of another container (Mode.Target names it).
	Container = "container"
	// NS joins the network namespace at a path (Mode.Target).
	NS = "ns"
)

// Port handlers of slirp4netns (its port_handler option).
const (
	// HandlerSlirp4netns forwards ports through slirp4netns's API: the container sees the client's
	// address.
	HandlerSlirp4netns = "slirp4netns"
	// HandlerRootlesskit forwards ports through rootlesskit's builtin driver in the network keeper:
	// faster, but the container sees its own address as the source of every connection.
	HandlerRootlesskit = "rootlesskit"
)

// Mode is a parsed --network value.
type Mode struct {
	// Kind is one of Slirp4netns, Pasta, None, Host, Container and NS.
	Kind string
	// Options are slirp4netns's options (slirp4netns:KEY=VALUE,…), validated.
	Options map[string]string
	// Args are pasta's own options (pasta:ARG,ARG,…), split at commas as Podman does.
	Args []string
	// Target is the container name or ID (Container) or the namespace path (NS).
	Target string
}

// slirpOptions are the slirp4netns options Podman knows, with their checks.
var slirpOptions = map[string]func(string) error{
	"allow_host_loopback": checkBool,
	"enable_ipv6":         checkBool,
	"cidr": func(v string) error {
		_, _, _, err := slirp4netns.Addresses(v)
		return err
	},
	"mtu": func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 68 || n > 65521 {
			return errors.New("want a number from 68 to 65521")
		}
		return nil
	},
	"outbound_addr":  func(v string) error { return checkOutbound(v, true) },
	"outbound_addr6": func(v string) error { return checkOutbound(v, false) },
	"port_handler": func(v string) error {
		if v != HandlerSlirp4netns && v != HandlerRootlesskit {
			return fmt.Errorf("want %s or %s", HandlerSlirp4netns, HandlerRootlesskit)
		}
		return nil
	},
}

func checkBool(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return errors.New("want true or false")
	}
	return nil
}

var ifName = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,15}$`)

func checkOutbound(v string, v4 bool) error {
	if ip := net.ParseIP(v); ip != nil {
		if (ip.To4() != nil) != v4 {
			if v4 {
				return errors.New("want an IPv4 address or an interface name")
			}
			return errors.New("want an IPv6 address or an interface name")
		}
		return nil
	}
	if !ifName.MatchString(v) {
		return errors.New("want an address or an interface name")
	}
	return nil
}

// validForms ends every --network error.
const validForms = "want slirp4netns[:OPTION=VALUE,...], pasta[:ARG,...], none, host, container:NAME|ID or ns:PATH"

// ParseMode parses a --network value with Podman's grammar. An empty value and "private" mean
// defaultKind (see DefaultKind).
func ParseMode(s string, defaultKind string) (Mode, error) {
	bad := func(format string, a ...any) (Mode, error) {
		return Mode{}, fmt.Errorf("invalid --network %q: %s (%s)", s, fmt.Sprintf(format, a...), validForms)
	}
	kind, rest, hasRest := strings.Cut(s, ":")
	if kind == "" || kind == "private" {
		if hasRest {
			return bad("%q takes no options", kind)
		}
		if defaultKind == "" {
			defaultKind = BuiltinDefault
		}
		if defaultKind != Slirp4netns && defaultKind != Pasta {
			return Mode{}, fmt.Errorf("default network %q: want %s or %s", defaultKind, Slirp4netns, Pasta)
		}
		return Mode{Kind: defaultKind}, nil
	}
	switch kind {
	case Slirp4netns:
		m := Mode{Kind: Slirp4netns}
		if rest == "" {
			return m, nil
		}
		m.Options = map[string]string{}
		for _, kv := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(kv, "=")
			check, known := slirpOptions[k]
			switch {
			case !known:
				return bad("unknown slirp4netns option %q, valid are %s", k, strings.Join(optionNames(), ", "))
			case !ok || v == "":
				return bad("slirp4netns option %q needs a value", k)
			}
			if err := check(v); err != nil {
				return bad("slirp4netns option %s=%s: %v", k, v, err)
			}
			m.Options[k] = v
		}
		return m, nil
	case Pasta:
		m := Mode{Kind: Pasta}
		if rest != "" {
			m.Args = strings.Split(rest, ",")
		}
		if err := pasta.CheckArgs(m.Args); err != nil {
			return bad("pasta %v", err)
		}
		if _, err := pasta.PlanFor(m.Args, pasta.Template{}); err != nil {
			return bad("pasta %v", err)
		}
		return m, nil
	case None, Host:
		if hasRest {
			return bad("%q takes no options", kind)
		}
		return Mode{Kind: kind}, nil
	case Container:
		if rest == "" {
			return bad("container: needs a container name or ID")
		}
		return Mode{Kind: Container, Target: rest}, nil
	case NS:
		if rest == "" || !filepath.IsAbs(rest) {
			return bad("ns: needs an absolute path")
		}
		return Mode{Kind: NS, Target: filepath.Clean(rest)}, nil
	case "bridge":
		return bad("bridge networks need root; rootless containers use slirp4netns or pasta")
	}
	return bad("unknown network mode %q", kind)
}

func optionNames() []string {
	var names []string
	for k := range slirpOptions {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// String renders m as --network would take it, for inspect's NetworkMode.
func (m Mode) String() string {
	switch m.Kind {
	case Slirp4netns:
		if len(m.Options) == 0 {
			return m.Kind
		}
		var kv []string
		for _, k := range optionNames() {
			if v, ok := m.Options[k]; ok {
				kv = append(kv, k+"="+v)
			}
		}
		return m.Kind + ":" + strings.Join(kv, ",")
	case Pasta:
		if len(m.Args) == 0 {
			return m.Kind
		}
		return m.Kind + ":" + strings.Join(m.Args, ",")
	case Container, NS:
		return m.Kind + ":" + m.Target
	}
	return m.Kind
}

// NewNetNS reports whether the runtime must create a new network namespace for m (slirp4netns, pasta
// and none). For Host the spec has no network namespace; for Container and NS it joins Target's (the
// caller resolves a container to /proc/PID/ns/net).
func (m Mode) NewNetNS() bool {
	return m.Kind == Slirp4netns || m.Kind == Pasta || m.Kind == None
}

// HasHelper reports whether Setup starts a helper process for m.
func (m Mode) HasHelper() bool { return m.Kind == Slirp4netns || m.Kind == Pasta }

// ErrNoPublish is wrapped by CheckPorts: only slirp4netns and pasta publish ports.
var ErrNoPublish = errors.New("ports can only be published with --network slirp4netns or pasta")

// CheckPorts returns an error wrapping ErrNoPublish when ports are given for a mode that cannot
// publish them. (Podman warns and drops them with --network host; the caller may do the same.)
func (m Mode) CheckPorts(ports []PortMapping) error {
	if len(ports) == 0 || m.HasHelper() {
		return nil
	}
	return fmt.Errorf("--network %s: %w", m, ErrNoPublish)
}

func (m Mode) option(k, def string) string {
	if v, ok := m.Options[k]; ok {
		return v
	}
	return def
}

func (m Mode) boolOption(k string, def bool) bool {
	v, err := strconv.ParseBool(m.option(k, strconv.FormatBool(def)))
	return err == nil && v
}

// PortHandler returns slirp4netns's port handler ("" for other modes).
func (m Mode) PortHandler() string {
	if m.Kind != Slirp4netns {
		return ""
	}
	return m.option("port_handler", HandlerSlirp4netns)
}
