package slirpnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/slirpnet/keeper"
	"github.com/skiffproject/skiff/slirpnet/pasta"
	"github.com/skiffproject/skiff/slirpnet/slirp4netns"
)

// Config is what Setup needs to connect one container.
type Config struct {
	// Mode is the container's --network.
	Mode Mode
	// NetNSPath is the container's new network namespace, made by the runtime: /proc/PID/ns/net
	// between `runtime create` and `runtime start`.
	NetNSPath string
	// PID is the container's init. The helpers exit when it has exited (see package doc).
	PID int
	// Ports to publish; random host ports (HostPort 0) are chosen by Setup.
	Ports []PortMapping
	// RunDir is the container's run directory; the network keeps its sockets, PID records and logs
	// in RunDir/net, which Teardown removes.
	RunDir string
	// MTU of the container's interface; 0 means 65520 (slirp4netns:mtu=… wins over it).
	MTU int
}

// Network is a container's running network.
type Network interface {
	// Ports returns the published ports with their real host ports.
	Ports() []PortMapping
	// Close stops the helpers and releases the ports. It may be called more than once, and from
	// another process through Attach.
	Close() error
}

// Subdirectory of Config.RunDir and the state file in it.
const (
	netSubdir = "net"
	stateFile = "network.json"
)

// state is what a later process needs to report and stop a network.
type state struct {
	Mode    string        `json:"mode"`
	Ports   []PortMapping `json:"ports"`
	Helpers []proc.Record `json:"helpers"`
}

type network struct {
	runDir string
	ports  []PortMapping
	once   sync.Once
	err    error
}

func (n *network) Ports() []PortMapping { return append([]PortMapping(nil), n.ports...) }

func (n *network) Close() error {
	if n.runDir == "" {
		return nil
	}
	n.once.Do(func() { n.err = Teardown(n.runDir) })
	return n.err
}

// Setup connects the container's network namespace for cfg.Mode and publishes cfg.Ports; it returns
// once everything is ready. For none, host, container: and ns: it starts nothing (and refuses ports).
// A port that cannot be bound fails Setup with `publish 127.0.0.1:18080/tcp: address already in use`
// (wrapping the errno), and nothing is left running after any failure.
func Setup(ctx context.Context, cfg Config) (_ Network, err error) {
	m := cfg.Mode
	if !m.HasHelper() {
		if err := m.CheckPorts(cfg.Ports); err != nil {
			return nil, err
		}
		return &network{}, nil
	}
	if cfg.RunDir == "" || cfg.NetNSPath == "" || cfg.PID <= 0 {
		return nil, errors.New("network setup needs the run directory, the network namespace and the container's PID")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	// A network that an interrupted command left behind goes first.
	if err := Teardown(cfg.RunDir); err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, dir: filepath.Join(cfg.RunDir, netSubdir)}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.abort()
		}
	}()
	if s.st.Ports, err = allocatePorts(cfg.Ports, m.Kind == Pasta); err != nil {
		return nil, err
	}
	s.st.Mode = m.String()
	initPidfd, err := proc.OpenPID("container process", cfg.PID)
	if err != nil {
		return nil, err
	}
	defer initPidfd.Close()
	netns, err := os.Open(cfg.NetNSPath)
	if err != nil {
		return nil, fmt.Errorf("open network namespace: %w", err)
	}
	defer netns.Close()

	var guest net.IP
	if m.Kind == Slirp4netns {
		if guest, _, _, err = slirp4netns.Addresses(m.option("cidr", "")); err != nil {
			return nil, err
		}
	}
	p := planPorts(m, guest, s.st.Ports)
	var stopWithContainer []proc.Record
	switch m.Kind {
	case Slirp4netns:
		err = s.startSlirp4netns(ctx, p, initPidfd)
	case Pasta:
		var rec proc.Record
		if rec, err = s.startPasta(ctx, p, netns); err == nil {
			stopWithContainer = append(stopWithContainer, rec)
		}
	}
	if err != nil {
		return nil, err
	}
	if p.needKeeper(m) {
		if err := s.startKeeper(p, initPidfd, netns, stopWithContainer); err != nil {
			return nil, err
		}
	}
	return &network{runDir: cfg.RunDir, ports: s.st.Ports}, nil
}

// session is one Setup in progress.
type session struct {
	cfg Config
	dir string
	st  state
}

// record adds a helper and saves the state at once, so that a command killed half-way leaves a record
// for Teardown.
func (s *session) record(rec proc.Record) error {
	s.st.Helpers = append(s.st.Helpers, rec)
	return record.WriteJSON(filepath.Join(s.dir, stateFile), s.st, 0o600)
}

// abort stops what a failed Setup started.
func (s *session) abort() {
	stopAll(s.st.Helpers)
	os.RemoveAll(s.dir)
}

func stopAll(helpers []proc.Record) error {
	var errs []error
	for i := len(helpers) - 1; i >= 0; i-- {
		errs = append(errs, helpers[i].Stop(2*time.Second))
	}
	return errors.Join(errs...)
}

func (s *session) mtu() int {
	if v, err := strconv.Atoi(s.cfg.Mode.option("mtu", "")); err == nil {
		return v
	}
	return s.cfg.MTU
}

func (s *session) startSlirp4netns(ctx context.Context, p portPlan, initPidfd *os.File) error {
	m := s.cfg.Mode
	cmd, err := slirp4netns.Start(ctx, slirp4netns.Options{
		NetNS:             s.cfg.NetNSPath,
		Dir:               s.dir,
		ExitFD:            initPidfd,
		MTU:               s.mtu(),
		CIDR:              m.option("cidr", ""),
		EnableIPv6:        m.boolOption("enable_ipv6", true),
		AllowHostLoopback: m.boolOption("allow_host_loopback", false),
		OutboundAddr:      m.option("outbound_addr", ""),
		OutboundAddr6:     m.option("outbound_addr6", ""),
	})
	if err != nil {
		return err
	}
	rec, err := proc.Identify(slirp4netns.Binary, cmd.Process.Pid)
	if err != nil {
		cmd.Process.Kill()
		return err
	}
	if err := s.record(rec); err != nil {
		return err
	}
	api := slirp4netns.Client{Dir: s.dir}
	for _, f := range p.helper {
		ip := f.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		for i := uint16(0); i < f.n(); i++ {
			if _, err := api.AddHostFwd(ctx, f.Protocol, ip, int(f.HostPort+i), int(f.ContainerPort+i)); err != nil {
				return portError(f.HostIP, f.HostPort+i, f.Protocol, err)
			}
		}
	}
	return nil
}

func (s *session) startPasta(ctx context.Context, p portPlan, netns *os.File) (proc.Record, error) {
	var fwds []pasta.Forward
	for _, f := range p.helper {
		fwds = append(fwds, pasta.Forward{Proto: f.Protocol, HostIP: f.HostIP, HostPort: f.HostPort, ContainerPort: f.ContainerPort, Range: f.n()})
	}
	pid, err := pasta.Start(ctx, pasta.Options{NetNS: netns, Dir: s.dir, Args: s.cfg.Mode.Args, MTU: s.cfg.MTU, Forwards: fwds,
		RealRoot: pasta.RealRoot()})
	if err != nil {
		return proc.Record{}, err
	}
	rec, err := proc.Identify(pasta.Binary, pid)
	if err != nil {
		return proc.Record{}, fmt.Errorf("%s exited after starting%s", pasta.Binary, slirp4netns.LogTail(filepath.Join(s.dir, pasta.LogFile)))
	}
	return rec, s.record(rec)
}

func (s *session) startKeeper(p portPlan, initPidfd, netns *os.File, stop []proc.Record) error {
	cfg := keeper.Config{Dir: s.dir, Rootlesskit: p.rootlesskit, UDPLoopback: p.udpLoopback}
	var files []*os.File
	for _, r := range stop {
		f, err := r.Open()
		if err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("%s (pid %d) exited after starting", r.Name, r.PID)
		}
		defer f.Close()
		files = append(files, f)
		cfg.Helpers = append(cfg.Helpers, r.Name)
	}
	cmd, err := keeper.Start(cfg, initPidfd, netns, files)
	if err != nil {
		return err
	}
	rec, err := proc.Identify(keeper.Argv0, cmd.Process.Pid)
	if err != nil {
		cmd.Process.Kill()
		return err
	}
	return s.record(rec)
}

// portPlan says who serves each published port.
type portPlan struct {
	// helper ports are published by slirp4netns or pasta, which keep the client's address.
	helper []PortMapping
	// rootlesskit ports are published by rootlesskit's builtin driver in the keeper.
	rootlesskit []keeper.Forward
	// udpLoopback ports are relayed by the keeper from the host's loopback.
	udpLoopback []keeper.Forward
}

func (p portPlan) needKeeper(m Mode) bool {
	// pasta has no exit fd: the keeper stops it when the container exits.
	return m.Kind == Pasta || len(p.rootlesskit) > 0 || len(p.udpLoopback) > 0
}

func isLoopbackIP(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.IsLoopback()
}

// planPorts routes each port, keeping the client's address wherever the helpers can:
//   - pasta serves every TCP port, and UDP ports not bound to the loopback only. UDP from the host's
//     loopback gets no reply through pasta 2023-03-09, so the keeper relays it (for a wildcard port it
//     binds the loopback address next to pasta's wildcard socket, which wins for loopback clients).
//   - slirp4netns (port_handler=slirp4netns) serves IPv4 ports on non-loopback addresses; libslirp
//     shows loopback clients as the gateway and drops their UDP, so ports bound to the loopback go to
//     the keeper, whose connections come from the namespace's own loopback, where every client of such
//     a port is. Its API cannot bind IPv6, so other IPv6 ports go to rootlesskit's driver too.
//   - port_handler=rootlesskit sends everything to rootlesskit's driver, which dials the container's
//     address from inside: faster, but every connection comes from that address.
func planPorts(m Mode, guest net.IP, ports []PortMapping) portPlan {
	var p portPlan
	rk := func(pm PortMapping, childIP string) {
		for i := uint16(0); i < pm.n(); i++ {
			p.rootlesskit = append(p.rootlesskit, keeper.Forward{Proto: pm.Protocol, HostIP: pm.HostIP,
				HostPort: int(pm.HostPort + i), ChildIP: childIP, ChildPort: int(pm.ContainerPort + i)})
		}
	}
	udpLo := func(pm PortMapping, ip string) {
		for i := uint16(0); i < pm.n(); i++ {
			p.udpLoopback = append(p.udpLoopback, keeper.Forward{Proto: "udp", HostIP: ip,
				HostPort: int(pm.HostPort + i), ChildPort: int(pm.ContainerPort + i)})
		}
	}
	// loopbacks are the addresses the keeper relays for a UDP port bound to hostIP.
	loopbacks := func(hostIP string) []string {
		switch hostIP {
		case "":
			if hasIPv6() {
				return []string{"127.0.0.1", "::1"}
			}
			return []string{"127.0.0.1"}
		case "0.0.0.0":
			return []string{"127.0.0.1"}
		case "::":
			return []string{"::1"}
		}
		return nil
	}
	for _, pm := range ports {
		v6 := strings.Contains(pm.HostIP, ":")
		switch {
		case m.Kind == Pasta && pm.Protocol == "udp" && isLoopbackIP(pm.HostIP):
			udpLo(pm, pm.HostIP)
		case m.Kind == Pasta:
			p.helper = append(p.helper, pm)
			if pm.Protocol == "udp" {
				for _, ip := range loopbacks(pm.HostIP) {
					udpLo(pm, ip)
				}
			}
		case m.PortHandler() == HandlerRootlesskit:
			rk(pm, guest.String())
		case isLoopbackIP(pm.HostIP) && pm.Protocol == "udp":
			udpLo(pm, pm.HostIP)
		case isLoopbackIP(pm.HostIP):
			rk(pm, "127.0.0.1")
		case v6:
			rk(pm, guest.String())
		default:
			p.helper = append(p.helper, pm)
			if pm.Protocol == "udp" {
				for _, ip := range loopbacks(pm.HostIP) {
					udpLo(pm, ip)
				}
			}
		}
	}
	return p
}

// Attach returns the network that an earlier process set up in runDir (Config.RunDir), for its ports
// and to Close it. An error wraps fs.ErrNotExist when runDir holds no network.
func Attach(runDir string) (Network, error) {
	st, err := readState(filepath.Join(runDir, netSubdir))
	if err != nil {
		return nil, err
	}
	return &network{runDir: runDir, ports: st.Ports}, nil
}

func readState(dir string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return st, fmt.Errorf("no network recorded in %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("read %s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// Teardown stops the network recorded in runDir (Config.RunDir), whatever process set it up: it stops
// each helper that still runs (checked by PID and start time) and removes runDir/net. A runDir without
// a network, or one whose helpers are gone, is not an error; Teardown may run any number of times.
func Teardown(runDir string) error {
	dir := filepath.Join(runDir, netSubdir)
	st, err := readState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		os.RemoveAll(dir)
		return nil
	}
	if err != nil {
		return err
	}
	if err := stopAll(st.Helpers); err != nil {
		return fmt.Errorf("stop network: %w", err)
	}
	return os.RemoveAll(dir)
}
