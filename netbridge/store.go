package netbridge

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/skiffproject/skiff/record"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNoSuchNetwork: no network has the name or ID (Podman's wording: "network not found").
	ErrNoSuchNetwork = errors.New("network not found")
	// ErrExists: create of a name that is taken.
	ErrExists = errors.New("network already exists")
	// ErrInUse: remove of a network that containers use.
	ErrInUse = errors.New("network is being used")
	// ErrInvalid: a bad name, subnet, gateway, label or filter; nothing was changed.
	ErrInvalid = errors.New("invalid argument")
	// ErrNoSubnet: every /24 of DefaultPool is taken.
	ErrNoSubnet = errors.New("could not find a free subnet")
	// ErrNoAddress: every host address of a network's subnet is taken.
	ErrNoAddress = errors.New("no free address")
)

// DriverBridge is the only driver.
const DriverBridge = "bridge"

// DefaultPool is where subnets come from when --subnet is not given: /24s in order, as Podman does.
const DefaultPool = "10.89.0.0/16"

// ifPrefix names the bridges: skiffbr0, skiffbr1, …
const ifPrefix = "skiffbr"

// Subnet is one subnet of a network and its gateway (the bridge's address).
type Subnet struct {
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway"`
}

// Network is one network's record, in Podman's field names.
type Network struct {
	Name             string            `json:"name"`
	ID               string            `json:"id"`
	Driver           string            `json:"driver"`
	NetworkInterface string            `json:"network_interface"`
	Created          time.Time         `json:"created"`
	Subnets          []Subnet          `json:"subnets"`
	IPv6Enabled      bool              `json:"ipv6_enabled"`
	Internal         bool              `json:"internal"`
	DNSEnabled       bool              `json:"dns_enabled"`
	Labels           map[string]string `json:"labels,omitempty"`
	IPAMOptions      map[string]string `json:"ipam_options,omitempty"`
}

// prefix returns the network's first subnet and its gateway.
func (n *Network) prefix() (*net.IPNet, net.IP, error) {
	if len(n.Subnets) == 0 {
		return nil, nil, fmt.Errorf("network %s has no subnet", n.Name)
	}
	_, sn, err := net.ParseCIDR(n.Subnets[0].Subnet)
	if err != nil {
		return nil, nil, fmt.Errorf("network %s: %w", n.Name, err)
	}
	return sn, net.ParseIP(n.Subnets[0].Gateway).To4(), nil
}

// Users lists the containers (names) that are connected to the network called name, whatever their
// state.
type Users func(name string) ([]string, error)

// Store is the user's network store: <graphroot>/skiff/networks/NAME.json, one record per network
// (package record), replaced by rename; changes take the store's lock, readers do not lock.
type Store struct {
	recs *record.Store[Network]
	// Users says which containers use a network; nil means none do.
	Users Users
	// RemoveUsers removes containers by name for Remove with force; nil makes such a removal fail.
	RemoveUsers func(names []string) error
}

// Open opens the network store of the storage whose graph root is graphRoot, creating it if needed.
func Open(graphRoot string) (*Store, error) {
	if graphRoot == "" || !filepath.IsAbs(graphRoot) {
		return nil, fmt.Errorf("network store: graph root %q is not an absolute path", graphRoot)
	}
	dir := filepath.Join(graphRoot, "skiff", "networks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create network store %s: %w", dir, err)
	}
	return &Store{recs: record.New[Network](dir, record.Options{})}, nil
}

// Dir returns the directory of the network records.
func (s *Store) Dir() string { return s.recs.Dir() }

// lock takes the store's lock and clears what killed writers left; call the returned function to
// release it.
func (s *Store) lock() (func(), error) {
	l, err := s.recs.LockAll()
	if err != nil {
		return nil, fmt.Errorf("lock network store: %w", err)
	}
	if _, err := s.recs.Repair(); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("repair network store: %w", err)
	}
	return l.Unlock, nil
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ValidateName checks a network name with Podman's rule.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) || len(name) > 200 {
		return fmt.Errorf("network name %q: must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: %w", name, ErrInvalid)
	}
	return nil
}

// List returns every network, sorted by name.
func (s *Store) List() ([]*Network, error) {
	_, out, err := s.recs.All()
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	return out, nil
}

func (s *Store) read(name string) (*Network, error) {
	n, err := s.recs.Get(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("unable to find network with name or ID %s: %w", name, ErrNoSuchNetwork)
	}
	if err != nil {
		return nil, fmt.Errorf("read network %s: %w", name, err)
	}
	return n, nil
}

// Get returns the network called nameOrID, or whose ID starts with it (unambiguously).
func (s *Store) Get(nameOrID string) (*Network, error) {
	if nameRE.MatchString(nameOrID) {
		if n, err := s.read(nameOrID); err == nil || !errors.Is(err, ErrNoSuchNetwork) {
			return n, err
		}
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var found *Network
	for _, n := range all {
		if strings.HasPrefix(n.ID, nameOrID) && nameOrID != "" {
			if found != nil {
				return nil, fmt.Errorf("more than one network matches ID prefix %s: %w", nameOrID, ErrInvalid)
			}
			found = n
		}
	}
	if found == nil {
		return nil, fmt.Errorf("unable to find network with name or ID %s: %w", nameOrID, ErrNoSuchNetwork)
	}
	return found, nil
}

// Exists reports whether a network called nameOrID exists.
func (s *Store) Exists(nameOrID string) (bool, error) {
	_, err := s.Get(nameOrID)
	if errors.Is(err, ErrNoSuchNetwork) {
		return false, nil
	}
	return err == nil, err
}

// CreateOptions are the flags of network create.
type CreateOptions struct {
	Name     string
	Driver   string // "" = bridge
	Subnet   string
	Gateway  string
	Internal bool
	Labels   map[string]string
	// Ignore returns the existing network when the name is taken.
	Ignore bool
	// HostRoutes are the host's routes new subnets must avoid; nil reads /proc/net/route.
	HostRoutes []*net.IPNet
}

// Create creates a network, allocating a subnet from DefaultPool unless one is given.
func (s *Store) Create(o CreateOptions) (*Network, error) {
	if o.Driver == "" {
		o.Driver = DriverBridge
	}
	if o.Driver != DriverBridge {
		return nil, fmt.Errorf("unsupported driver %s: only %s: %w", o.Driver, DriverBridge, ErrInvalid)
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = nextName(all)
	}
	if err := ValidateName(o.Name); err != nil {
		return nil, err
	}
	for _, n := range all {
		if n.Name == o.Name {
			if o.Ignore {
				return n, nil
			}
			return nil, fmt.Errorf("network name %s already used: %w", o.Name, ErrExists)
		}
	}
	var used []*net.IPNet
	for _, n := range all {
		if sn, _, err := n.prefix(); err == nil {
			used = append(used, sn)
		}
	}
	sn, gw, err := allocSubnet(o.Subnet, o.Gateway, used, o.HostRoutes)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	labels := o.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	n := &Network{
		Name: o.Name, ID: hex.EncodeToString(id), Driver: DriverBridge, NetworkInterface: nextInterface(all),
		Created: time.Now(), Subnets: []Subnet{{Subnet: sn.String(), Gateway: gw.String()}},
		Internal: o.Internal, DNSEnabled: true, Labels: labels, IPAMOptions: map[string]string{"driver": "host-local"},
	}
	if err := s.save(n); err != nil {
		return nil, err
	}
	return n, nil
}

func (s *Store) save(n *Network) error {
	if err := s.recs.Put(n.Name, n); err != nil {
		return fmt.Errorf("write network %s: %w", n.Name, err)
	}
	return nil
}

// nextName is Podman's name for a network created without one: skiff1, skiff2, …
func nextName(all []*Network) string {
	taken := map[string]bool{}
	for _, n := range all {
		taken[n.Name] = true
	}
	for i := 1; ; i++ {
		if name := "skiff" + strconv.Itoa(i); !taken[name] {
			return name
		}
	}
}

// nextInterface is the lowest skiffbrN no network has.
func nextInterface(all []*Network) string {
	taken := map[string]bool{}
	for _, n := range all {
		taken[n.NetworkInterface] = true
	}
	for i := 0; ; i++ {
		if name := ifPrefix + strconv.Itoa(i); !taken[name] {
			return name
		}
	}
}

func overlaps(a, b *net.IPNet) bool { return a.Contains(b.IP) || b.Contains(a.IP) }

// allocSubnet checks a given subnet and gateway, or picks the first free /24 of DefaultPool.
func allocSubnet(subnet, gateway string, used, routes []*net.IPNet) (*net.IPNet, net.IP, error) {
	var sn *net.IPNet
	if subnet != "" {
		ip, n, err := net.ParseCIDR(subnet)
		if err != nil || ip.To4() == nil {
			return nil, nil, fmt.Errorf("--subnet %q: want an IPv4 CIDR such as 10.90.0.0/24: %w", subnet, ErrInvalid)
		}
		if ones, _ := n.Mask.Size(); ones > 30 {
			return nil, nil, fmt.Errorf("--subnet %s: too small, want at most /30: %w", subnet, ErrInvalid)
		}
		for _, u := range used {
			if overlaps(n, u) {
				return nil, nil, fmt.Errorf("subnet %s is already used by another network (%s): %w", n, u, ErrInvalid)
			}
		}
		sn = n
	} else {
		if routes == nil {
			routes = hostRoutes()
		}
		_, pool, _ := net.ParseCIDR(DefaultPool)
		base := pool.IP.To4()
		for i := 0; i < 256 && sn == nil; i++ {
			cand := &net.IPNet{IP: net.IPv4(base[0], base[1], byte(i), 0).To4(), Mask: net.CIDRMask(24, 32)}
			free := true
			for _, u := range append(append([]*net.IPNet{}, used...), routes...) {
				if overlaps(cand, u) {
					free = false
					break
				}
			}
			if free {
				sn = cand
			}
		}
		if sn == nil {
			return nil, nil, fmt.Errorf("%w in %s", ErrNoSubnet, DefaultPool)
		}
	}
	gw := nthIP(sn, 1)
	if gateway != "" {
		g := net.ParseIP(gateway).To4()
		if g == nil || !sn.Contains(g) || g.Equal(sn.IP) || g.Equal(lastIP(sn)) {
			return nil, nil, fmt.Errorf("--gateway %q: want a host address in %s: %w", gateway, sn, ErrInvalid)
		}
		gw = g
	}
	return sn, gw, nil
}

// nthIP returns the n-th address of sn.
func nthIP(sn *net.IPNet, n uint32) net.IP {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, binary.BigEndian.Uint32(sn.IP.To4())+n)
	return ip
}

// lastIP returns the broadcast address of sn.
func lastIP(sn *net.IPNet) net.IP {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, binary.BigEndian.Uint32(sn.IP.To4())|^binary.BigEndian.Uint32(net.IP(sn.Mask).To4()))
	return ip
}

// hostRoutes reads the IPv4 routes of the host's network namespace (the one skiff commands run in),
// leaving out the default route.
func hostRoutes() []*net.IPNet {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []*net.IPNet
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 8 {
			continue
		}
		d, err1 := strconv.ParseUint(fs[1], 16, 32)
		m, err2 := strconv.ParseUint(fs[7], 16, 32)
		if err1 != nil || err2 != nil || m == 0 {
			continue
		}
		ip, mask := make(net.IP, 4), make(net.IP, 4)
		binary.LittleEndian.PutUint32(ip, uint32(d))
		binary.LittleEndian.PutUint32(mask, uint32(m))
		out = append(out, &net.IPNet{IP: ip, Mask: net.IPMask(mask)})
	}
	return out
}

// Remove removes networks by name or ID. A network that containers use is refused, naming them, unless
// force is set: then the containers are removed first (RemoveUsers). It returns the names removed.
func (s *Store) Remove(nameOrID string, force bool) (string, error) {
	n, err := s.Get(nameOrID)
	if err != nil {
		return "", err
	}
	if s.Users != nil {
		users, err := s.Users(n.Name)
		if err != nil {
			return "", err
		}
		if len(users) > 0 {
			if !force || s.RemoveUsers == nil {
				return "", fmt.Errorf("%q has associated containers with it. Use -f to forcibly delete containers and pods: %s: %w",
					n.Name, strings.Join(users, ", "), ErrInUse)
			}
			if err := s.RemoveUsers(users); err != nil {
				return "", err
			}
		}
	}
	unlock, err := s.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := s.recs.Delete(n.Name); err != nil {
		return "", fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	return n.Name, nil
}

// Prune removes every network no container uses and returns their names.
func (s *Store) Prune(filters []string) ([]string, error) {
	match, err := CompileFilters(filters)
	if err != nil {
		return nil, err
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range all {
		if !match(n) {
			continue
		}
		if s.Users != nil {
			users, err := s.Users(n.Name)
			if err != nil {
				return out, err
			}
			if len(users) > 0 {
				continue
			}
		}
		name, err := s.Remove(n.Name, false)
		if errors.Is(err, ErrInUse) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, name)
	}
	return out, nil
}

// CompileFilters compiles ls and prune filters: name=REGEXP, id=PREFIX, label=KEY[=VALUE],
// label!=KEY[=VALUE], driver=bridge. Filters on the same key are ORed, different keys ANDed.
func CompileFilters(specs []string) (func(*Network) bool, error) {
	byKey := map[string][]func(*Network) bool{}
	for _, f := range specs {
		k, v, ok := strings.Cut(f, "=")
		neg := false
		if strings.HasSuffix(k, "!") {
			k, neg = strings.TrimSuffix(k, "!"), true
		}
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: want KEY=VALUE: %w", f, ErrInvalid)
		}
		var m func(*Network) bool
		switch k {
		case "name":
			re, err := regexp.Compile(v)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: %w: %w", f, err, ErrInvalid)
			}
			m = func(n *Network) bool { return re.MatchString(n.Name) }
		case "id":
			m = func(n *Network) bool { return strings.HasPrefix(n.ID, v) }
		case "driver":
			m = func(n *Network) bool { return n.Driver == v }
		case "label":
			lk, lv, hasV := strings.Cut(v, "=")
			m = func(n *Network) bool {
				got, ok := n.Labels[lk]
				return ok && (!hasV || got == lv)
			}
			if neg {
				inner := m
				m = func(n *Network) bool { return !inner(n) }
				k = "label!"
			}
		default:
			return nil, fmt.Errorf("invalid filter %q: keys are name, id, driver, label and label!: %w", f, ErrInvalid)
		}
		byKey[k] = append(byKey[k], m)
	}
	return func(n *Network) bool {
		for k, ms := range byKey {
			any := false
			for _, m := range ms {
				if m(n) {
					any = true
					break
				}
			}
			if !any && k != "label" && k != "label!" {
				return false
			}
			if k == "label" || k == "label!" {
				// Podman ANDs label filters.
				for _, m := range ms {
					if !m(n) {
						return false
					}
				}
			}
		}
		return true
	}, nil
}

// DefaultNetwork is the user's default bridge network, Podman 4's: `--network bridge` and `--network
// podman` select it.
const DefaultNetwork = "podman"

// defaultSubnet is Podman's subnet for its default network, used when it is free.
const defaultSubnet = "10.88.0.0/16"

// Default returns the user's default bridge network, creating it on first use (on Podman's subnet when
// that is free, else on the next free one).
func (s *Store) Default() (*Network, error) {
	n, err := s.Create(CreateOptions{Name: DefaultNetwork, Subnet: defaultSubnet, Ignore: true})
	if errors.Is(err, ErrInvalid) || errors.Is(err, ErrExists) {
		n, err = s.Create(CreateOptions{Name: DefaultNetwork, Ignore: true})
	}
	if err != nil {
		return nil, fmt.Errorf("create the default network %s: %w", DefaultNetwork, err)
	}
	return n, nil
}
