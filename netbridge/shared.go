package netbridge

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/slirpnet/slirp4netns"
	"github.com/skiffproject/skiff/userns"
)

// Files of the shared namespace's directory (Dir).
const (
	stateFile   = "state.json"
	lockName    = "lock"
	sharedNS    = "netns"
	membersDir  = "ns"
	controlSock = "helper.sock"
	helperLog   = "helper.log"
	// DNSDomain is the search domain of containers on networks; names answer with and without it.
	DNSDomain = "dns.skiff"
)

// Dir is the directory of the shared rootless network namespace: <runtime dir>/skiff/netbridge.
func Dir() string { return filepath.Join(userns.StateDir(), "netbridge") }

// Endpoint is a container's interface on one network.
type Endpoint struct {
	Network   string   `json:"network"`
	Bridge    string   `json:"bridge"`
	Interface string   `json:"interface"` // eth0, eth1, … in the container
	HostVeth  string   `json:"hostVeth"`  // the other end, on the bridge
	IP        string   `json:"ip"`
	PrefixLen int      `json:"prefixLen"`
	Gateway   string   `json:"gateway"`
	MAC       string   `json:"mac"`
	Aliases   []string `json:"aliases,omitempty"`
}

// Member is a running container connected to networks.
type Member struct {
	ID        string                 `json:"id"`
	Name      string                 `json:"name"`
	NetNS     string                 `json:"netns"`
	Endpoints []Endpoint             `json:"endpoints"`
	Ports     []slirpnet.PortMapping `json:"ports,omitempty"`
}

// bridgeInfo is what the namespace knows of a network.
type bridgeInfo struct {
	Name      string `json:"name"`
	Interface string `json:"interface"`
	Subnet    string `json:"subnet"`
	Gateway   string `json:"gateway"`
	Internal  bool   `json:"internal"`
	DNS       bool   `json:"dns"`
}

// state is state.json: the members (the refcount of the namespace) and its helpers.
type state struct {
	Members map[string]*Member     `json:"members"`
	Bridges map[string]*bridgeInfo `json:"bridges"`
	Helper  proc.Identity          `json:"helper"`
	Uplink  proc.Identity          `json:"uplink"`
	NAT     bool                   `json:"nat"`
}

type shared struct {
	dir  string
	lock *record.Lock
	st   *state
}

func (s *shared) unlock() { s.lock.Unlock() }

// openShared locks the shared namespace's directory and reads its state.
func openShared() (*shared, error) {
	dir := Dir()
	if err := os.MkdirAll(filepath.Join(dir, membersDir), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	l, err := record.Acquire(filepath.Join(dir, lockName))
	if err != nil {
		return nil, err
	}
	if _, err := record.Sweep(dir); err != nil { // what a killed command's write left
		logrus.Debugf("shared network namespace: %v", err)
	}
	st, err := readState(dir)
	if err != nil {
		l.Unlock()
		return nil, err
	}
	return &shared{dir: dir, lock: l, st: st}, nil
}

func readState(dir string) (*state, error) {
	st := &state{}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, st); err != nil {
			return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, stateFile), err)
		}
	}
	if st.Members == nil {
		st.Members = map[string]*Member{}
	}
	if st.Bridges == nil {
		st.Bridges = map[string]*bridgeInfo{}
	}
	return st, nil
}

func (s *shared) save() error { return record.WriteJSON(filepath.Join(s.dir, stateFile), s.st, 0o600) }

func (s *shared) nsPath() string { return filepath.Join(s.dir, sharedNS) }

// handle returns a netlink handle in the namespace at path.
func handleAt(path string) (*netlink.Handle, error) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("open netns %s: %w", path, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", path, err)
	}
	return h, nil
}

// ensure creates what is missing of the shared namespace: the namespace, the helper (DNS and ports),
// and the uplink (slirp4netns, which exits with the helper).
func (s *shared) ensure(ctx context.Context) error {
	ns := s.nsPath()
	if !isNetNS(ns) {
		_ = removeNetNS(ns)
		if err := newNetNS(ns); err != nil {
			return err
		}
		h, err := handleAt(ns)
		if err != nil {
			return err
		}
		lo, err := h.LinkByName("lo")
		if err == nil {
			err = h.LinkSetUp(lo)
		}
		h.Close()
		if err != nil {
			return fmt.Errorf("set lo up in the shared network namespace: %w", err)
		}
		if err := writeSysctl(ns, "net.ipv4.ip_forward", "1"); err != nil {
			return fmt.Errorf("enable forwarding in the shared network namespace: %w", err)
		}
		s.st.Bridges = map[string]*bridgeInfo{}
		s.st.Uplink, s.st.Helper = proc.Identity{}, proc.Identity{}
	}
	if !s.st.Helper.Alive() {
		_ = s.st.Uplink.Signal(unix.SIGTERM)
		p, err := startHelper(s.dir)
		if err != nil {
			return err
		}
		s.st.Helper, s.st.Uplink = p, proc.Identity{}
	}
	if !s.st.Uplink.Alive() {
		exitFD, err := s.st.Helper.Open()
		if err == nil && exitFD == nil {
			err = proc.ErrGone
		}
		if err != nil {
			return fmt.Errorf("pidfd of the network helper: %w", err)
		}
		// An old tap0 (its slirp4netns died) would make the new one fail.
		if h, err := handleAt(ns); err == nil {
			if l, err := h.LinkByName("tap0"); err == nil {
				_ = h.LinkDel(l)
			}
			h.Close()
		}
		cmd, err := slirp4netns.Start(ctx, slirp4netns.Options{NetNS: ns, Dir: s.dir, ExitFD: exitFD})
		exitFD.Close()
		if err != nil {
			return fmt.Errorf("start the uplink of the shared network namespace: %w", err)
		}
		s.st.Uplink = proc.IdentityOf(cmd.Process.Pid)
	}
	return nil
}

// ensureBridge creates the bridge of network n in the shared namespace with its gateway address.
func (s *shared) ensureBridge(h *netlink.Handle, n *Network) (*bridgeInfo, error) {
	sn, gw, err := n.prefix()
	if err != nil {
		return nil, err
	}
	ones, _ := sn.Mask.Size()
	l, err := h.LinkByName(n.NetworkInterface)
	if err != nil {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.NetworkInterface, MTU: slirp4netns.DefaultMTU}}
		if err := h.LinkAdd(br); err != nil {
			return nil, fmt.Errorf("create bridge %s: %w", n.NetworkInterface, err)
		}
		l = br
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: gw, Mask: net.CIDRMask(ones, 32)}}
	if err := h.AddrReplace(l, addr); err != nil {
		return nil, fmt.Errorf("address %s on %s: %w", addr.IPNet, n.NetworkInterface, err)
	}
	if err := h.LinkSetUp(l); err != nil {
		return nil, fmt.Errorf("set %s up: %w", n.NetworkInterface, err)
	}
	b := &bridgeInfo{Name: n.Name, Interface: n.NetworkInterface, Subnet: sn.String(), Gateway: gw.String(),
		Internal: n.Internal, DNS: n.DNSEnabled}
	s.st.Bridges[n.Name] = b
	return b, nil
}

// firewall writes the nftables rules of the shared namespace: no forwarding between bridges, none from
// internal networks to the uplink, and masquerading of what leaves through the uplink (slirp4netns
// only forwards traffic from its own address). Without nft, forwarding is switched off: the networks
// stay isolated and have no egress.
func (s *shared) firewall() error {
	var names []string
	for n := range s.st.Bridges {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("table inet skiff\ndelete table inet skiff\ntable inet skiff {\n chain forward {\n  type filter hook forward priority 0; policy accept;\n  ct state established,related accept\n")
	for _, a := range names {
		ba := s.st.Bridges[a]
		for _, c := range names {
			if a != c {
				fmt.Fprintf(&b, "  iifname %q oifname %q drop\n", ba.Interface, s.st.Bridges[c].Interface)
			}
		}
		if ba.Internal {
			fmt.Fprintf(&b, "  iifname %q oifname != %q drop\n", ba.Interface, ba.Interface)
		}
	}
	b.WriteString(" }\n chain postrouting {\n  type nat hook postrouting priority 100;\n  oifname \"tap0\" masquerade\n }\n}\n")
	nft := lookPath("nft")
	if nft == "" {
		s.st.NAT = false
		_ = writeSysctl(s.nsPath(), "net.ipv4.ip_forward", "0")
		return errors.New("nft is not installed (hint: apt-get install nftables)")
	}
	cmd := exec.Command(lookPath("nsenter"), "--net="+s.nsPath(), nft, "-f", "-")
	cmd.Stdin = strings.NewReader(b.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.st.NAT = false
		_ = writeSysctl(s.nsPath(), "net.ipv4.ip_forward", "0")
		return fmt.Errorf("nft: %s: %w", strings.TrimSpace(string(out)), err)
	}
	s.st.NAT = true
	return nil
}

// stopIfEmpty tears the shared namespace down when it has no member left: the helper (the uplink
// exits with it), then the namespace.
func (s *shared) stopIfEmpty() {
	if len(s.st.Members) > 0 {
		return
	}
	for _, p := range []proc.Identity{s.st.Helper, s.st.Uplink} {
		_ = p.Signal(unix.SIGTERM)
	}
	deadline := time.Now().Add(3 * time.Second)
	for (s.st.Helper.Alive() || s.st.Uplink.Alive()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = s.st.Helper.Signal(unix.SIGKILL)
	_ = s.st.Uplink.Signal(unix.SIGKILL)
	_ = removeNetNS(s.nsPath())
	for _, f := range []string{stateFile, controlSock, slirp4netns.APISocket} {
		_ = os.Remove(filepath.Join(s.dir, f))
	}
	s.st = &state{Members: map[string]*Member{}, Bridges: map[string]*bridgeInfo{}}
}

// Members returns the running members of the shared namespace (read without the lock).
func Members() map[string]*Member {
	st, err := readState(Dir())
	if err != nil {
		return nil
	}
	return st.Members
}

// Helpers returns the helper processes of the shared namespace that still run.
func Helpers() []proc.Identity {
	st, err := readState(Dir())
	if err != nil {
		return nil
	}
	var out []proc.Identity
	for _, p := range []proc.Identity{st.Helper, st.Uplink} {
		if p.Alive() {
			out = append(out, p)
		}
	}
	return out
}

// reload asks the helper to read the state again and waits for its answer.
func (s *shared) reload() error {
	if !s.st.Helper.Alive() {
		return nil
	}
	c, err := net.DialTimeout("unix", filepath.Join(s.dir, controlSock), 5*time.Second)
	if err != nil {
		return fmt.Errorf("network helper: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := c.Write([]byte("reload\n")); err != nil {
		return fmt.Errorf("network helper: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("network helper: %w", err)
	}
	if msg, ok := strings.CutPrefix(strings.TrimSpace(line), "error: "); ok {
		return errors.New(msg)
	}
	return nil
}

// lookPath finds a program in PATH or the sbin directories, which a user's PATH often lacks.
func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		if p := filepath.Join(d, name); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
