package netbridge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/slirpnet/slirp4netns"
)

// Request is a network a container asks for.
type Request struct {
	Network string   `json:"network"`
	Aliases []string `json:"aliases,omitempty"`
	// IP is the address asked with --ip ("" = the next free one).
	IP string `json:"ip,omitempty"`
}

// AttachOptions are a container and the networks it connects to at a start.
type AttachOptions struct {
	ID, Name, Hostname string
	Networks           []Request
	Ports              []slirpnet.PortMapping
	// DNS, DNSSearch, DNSOptions and AddHosts are the names flags of the container.
	DNS, DNSSearch, DNSOptions, AddHosts []string
	// FilesDir receives hosts, resolv.conf and hostname.
	FilesDir string
}

// Attachment is what Attach did: the namespace to give the runtime, the files to bind-mount, the
// addresses and the ports (random host ports resolved).
type Attachment struct {
	NetNS     string
	Endpoints []Endpoint
	Ports     []slirpnet.PortMapping
	Files     slirpnet.NameFiles
}

// Attach connects container o.ID to its networks for one run: it creates the container's network
// namespace (held by a file under Dir, given to the runtime as the spec's network namespace), a veth
// into it per network, starts the shared namespace on first use and updates the DNS and the ports.
// Call Detach once the run ends (it is idempotent); on error nothing is left.
func Attach(ctx context.Context, store *Store, o AttachOptions) (_ *Attachment, err error) {
	if len(o.Networks) == 0 {
		return nil, errors.New("attach: no network")
	}
	nets := make([]*Network, len(o.Networks))
	for i, r := range o.Networks {
		if nets[i], err = store.Get(r.Network); err != nil {
			return nil, err
		}
	}
	s, err := openShared()
	if err != nil {
		return nil, err
	}
	defer s.unlock()
	if old, ok := s.st.Members[o.ID]; ok {
		s.removeMember(old)
	}
	if err := s.ensure(ctx); err != nil {
		s.stopIfEmpty()
		return nil, err
	}
	m := &Member{ID: o.ID, Name: o.Name, NetNS: filepath.Join(s.dir, membersDir, o.ID)}
	defer func() {
		if err != nil {
			s.removeMember(m)
			_ = s.save()
			_ = s.reload()
			s.stopIfEmpty()
		}
	}()
	_ = removeNetNS(m.NetNS)
	if err := newNetNS(m.NetNS); err != nil {
		return nil, err
	}
	s.st.Members[o.ID] = m
	if err := s.connect(m, nets, o.Networks); err != nil {
		return nil, err
	}
	if err := s.firewall(); err != nil {
		logrus.Warnf("shared network namespace: no NAT, containers on networks have no egress: %v", err)
	}
	if m.Ports, err = resolvePorts(o.Ports); err != nil {
		return nil, err
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	if err := s.reload(); err != nil {
		return nil, err
	}
	files, err := writeNames(o, m)
	if err != nil {
		return nil, err
	}
	return &Attachment{NetNS: m.NetNS, Endpoints: m.Endpoints, Ports: m.Ports, Files: files}, nil
}

// connect adds a veth per network to member m.
func (s *shared) connect(m *Member, nets []*Network, reqs []Request) error {
	h, err := handleAt(s.nsPath())
	if err != nil {
		return err
	}
	defer h.Close()
	ch, err := handleAt(m.NetNS)
	if err != nil {
		return err
	}
	defer ch.Close()
	if lo, err := ch.LinkByName("lo"); err == nil {
		_ = ch.LinkSetUp(lo)
	}
	// Podman's default: ping works without CAP_NET_RAW.
	if err := writeSysctl(m.NetNS, "net.ipv4.ping_group_range", "0 0"); err != nil {
		logrus.Debugf("container %s: ping_group_range: %v", m.Name, err)
	}
	cfd, err := unix.Open(m.NetNS, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(cfd)
	for i, n := range nets {
		for _, e := range m.Endpoints {
			if e.Network == n.Name {
				return fmt.Errorf("container %s is already connected to network %s: %w", m.Name, n.Name, ErrExists)
			}
		}
		b, err := s.ensureBridge(h, n)
		if err != nil {
			return err
		}
		ip, err := s.allocIP(n, reqs[i].IP)
		if err != nil {
			return err
		}
		_, sn, _ := net.ParseCIDR(b.Subnet)
		ones, _ := sn.Mask.Size()
		idx := len(m.Endpoints)
		e := Endpoint{Network: n.Name, Bridge: b.Interface, Interface: "eth" + strconv.Itoa(idx),
			HostVeth: vethName(m.ID, n.NetworkInterface), IP: ip.String(), PrefixLen: ones, Gateway: b.Gateway, Aliases: reqs[i].Aliases}
		br, err := h.LinkByName(b.Interface)
		if err != nil {
			return err
		}
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: e.HostVeth, MasterIndex: br.Attrs().Index, MTU: slirp4netns.DefaultMTU},
			PeerName: e.Interface, PeerNamespace: netlink.NsFd(cfd)}
		if err := h.LinkAdd(veth); err != nil {
			return fmt.Errorf("create veth %s for network %s: %w", e.HostVeth, n.Name, err)
		}
		m.Endpoints = append(m.Endpoints, e)
		if l, err := h.LinkByName(e.HostVeth); err == nil {
			if err := h.LinkSetUp(l); err != nil {
				return err
			}
		}
		peer, err := ch.LinkByName(e.Interface)
		if err != nil {
			return fmt.Errorf("find %s in the container: %w", e.Interface, err)
		}
		m.Endpoints[idx].MAC = peer.Attrs().HardwareAddr.String()
		if err := ch.AddrAdd(peer, &netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: sn.Mask}}); err != nil {
			return fmt.Errorf("address %s on %s: %w", ip, e.Interface, err)
		}
		if err := ch.LinkSetUp(peer); err != nil {
			return err
		}
		if idx == 0 {
			gw := net.ParseIP(b.Gateway)
			if err := ch.RouteAdd(&netlink.Route{LinkIndex: peer.Attrs().Index, Gw: gw}); err != nil {
				return fmt.Errorf("default route via %s: %w", gw, err)
			}
		}
	}
	return nil
}

// vethName is the bridge-side name of a container's veth: 15 bytes at most.
func vethName(id, bridge string) string {
	n := strings.TrimPrefix(bridge, ifPrefix)
	return "vs" + id[:min(len(id), 12-len(n))] + "b" + n
}

// allocIP picks the address of a new member of n: want if given, else the lowest free one.
func (s *shared) allocIP(n *Network, want string) (net.IP, error) {
	sn, gw, err := n.prefix()
	if err != nil {
		return nil, err
	}
	used := map[string]bool{gw.String(): true}
	for _, m := range s.st.Members {
		for _, e := range m.Endpoints {
			if e.Network == n.Name {
				used[e.IP] = true
			}
		}
	}
	if want != "" {
		ip := net.ParseIP(want).To4()
		if ip == nil || !sn.Contains(ip) || ip.Equal(sn.IP) || ip.Equal(lastIP(sn)) {
			return nil, fmt.Errorf("--ip %s is not a host address of network %s (%s): %w", want, n.Name, sn, ErrInvalid)
		}
		if used[ip.String()] {
			return nil, fmt.Errorf("--ip %s: address already in use on network %s: %w", want, n.Name, ErrInvalid)
		}
		return ip, nil
	}
	ones, bits := sn.Mask.Size()
	size := uint32(1) << (bits - ones)
	for i := uint32(1); i < size-1; i++ {
		ip := nthIP(sn, i)
		if !used[ip.String()] {
			return ip, nil
		}
	}
	return nil, fmt.Errorf("network %s (%s): %w", n.Name, sn, ErrNoAddress)
}

// resolvePorts picks the random host ports (HostPort 0) by binding port 0.
func resolvePorts(ports []slirpnet.PortMapping) ([]slirpnet.PortMapping, error) {
	out := append([]slirpnet.PortMapping(nil), ports...)
	for i := range out {
		if out[i].HostPort != 0 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(out[i].HostIP, "0"))
		if err != nil {
			return nil, err
		}
		out[i].HostPort = uint16(l.Addr().(*net.TCPAddr).Port)
		l.Close()
	}
	return out, nil
}

// removeMember deletes m's veths and its namespace file; the caller saves.
func (s *shared) removeMember(m *Member) {
	if h, err := handleAt(s.nsPath()); err == nil {
		for _, e := range m.Endpoints {
			if l, err := h.LinkByName(e.HostVeth); err == nil {
				_ = h.LinkDel(l)
			}
		}
		h.Close()
	}
	_ = removeNetNS(m.NetNS)
	delete(s.st.Members, m.ID)
}

// Detach disconnects container id after a run: its veths and namespace file go, the DNS forgets it,
// and the shared namespace goes with its last member. It is idempotent.
func Detach(id string) error {
	s, err := openShared()
	if err != nil {
		return err
	}
	defer s.unlock()
	m, ok := s.st.Members[id]
	if !ok {
		if _, err := os.Lstat(filepath.Join(s.dir, membersDir, id)); err == nil {
			_ = removeNetNS(filepath.Join(s.dir, membersDir, id))
		}
		s.stopIfEmpty()
		return nil
	}
	s.removeMember(m)
	if len(s.st.Members) == 0 {
		s.stopIfEmpty()
		return nil
	}
	if err := s.save(); err != nil {
		return err
	}
	return s.reload()
}

// Repair detaches members that alive says no longer run (their clean-up never happened).
func Repair(alive func(id string) bool) error {
	s, err := openShared()
	if err != nil {
		return err
	}
	defer s.unlock()
	changed := false
	for id, m := range s.st.Members {
		if !alive(id) {
			s.removeMember(m)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if len(s.st.Members) == 0 {
		s.stopIfEmpty()
		return nil
	}
	if err := s.save(); err != nil {
		return err
	}
	return s.reload()
}
