package netbridge

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/skiffproject/skiff/proc"
)

// HelperArgv0 is the helper's argv[0], as ps shows it: the skiff binary re-executed to answer DNS on
// every network's gateway and to forward published ports into the shared namespace. The skiff binary's
// list of roles (cmd/skiff/roles.go) runs [ServeHelper] for it.
const HelperArgv0 = "skiff-netbridge"

// startHelper runs the helper for the shared namespace in dir and returns once it listens on its
// control socket. It runs in its own session and outlives the caller.
func startHelper(dir string) (proc.Identity, error) {
	logf, err := os.OpenFile(filepath.Join(dir, helperLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return proc.Identity{}, err
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return proc.Identity{}, err
	}
	defer r.Close()
	// The running skiff binary itself (not the file at its path, which an upgrade may replace).
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: []string{HelperArgv0, dir}}
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2", "GOGC=50")
	err = cmd.Start()
	w.Close()
	if err != nil {
		return proc.Identity{}, fmt.Errorf("start %s: %w", HelperArgv0, err)
	}
	r.SetReadDeadline(time.Now().Add(20 * time.Second))
	msg, _ := io.ReadAll(r)
	if s := strings.TrimSpace(string(msg)); s != "ok" {
		cmd.Process.Kill()
		cmd.Wait()
		if s == "" {
			s = "exited before it was ready"
		}
		return proc.Identity{}, fmt.Errorf("%s: %s", HelperArgv0, strings.TrimPrefix(s, "error: "))
	}
	p := proc.IdentityOf(cmd.Process.Pid)
	go cmd.Wait()
	return p, nil
}

type dnsListener struct {
	gateway string
	servers []*dns.Server
}

type helper struct {
	dir       string
	ns        string
	upstreams []string

	mu      sync.Mutex
	st      *state
	dns     map[string]*dnsListener // by network
	ports   map[string]net.Listener // by forwardKey
	reloads sync.Mutex
}

// ServeHelper is the helper process, args its command line (argv[0], the shared namespace's
// directory). It reports "ok" or "error: MESSAGE" on fd 3 once it listens on its control socket, serves
// until SIGTERM, SIGINT or SIGHUP, and returns an error only when it could not start.
func ServeHelper(args []string) error {
	debug.SetGCPercent(50)
	ready := os.NewFile(3, "ready")
	fail := func(err error) error {
		fmt.Fprintf(ready, "error: %v\n", err)
		return err
	}
	if len(args) < 2 {
		return fail(errors.New("missing directory"))
	}
	h := &helper{dir: args[1], ns: filepath.Join(args[1], sharedNS), dns: map[string]*dnsListener{},
		ports: map[string]net.Listener{}, st: &state{}}
	h.upstreams = hostResolvers("/etc/resolv.conf")
	sock := filepath.Join(h.dir, controlSock)
	_ = os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		return fail(err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		<-sigs
		l.Close()
	}()
	fmt.Fprintln(ready, "ok")
	ready.Close()
	for {
		c, err := l.Accept()
		if err != nil {
			return nil // closed on a signal: the helper's job is done
		}
		go h.control(c)
	}
}

func (h *helper) control(c net.Conn) {
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	switch strings.TrimSpace(line) {
	case "reload":
		if err := h.reload(); err != nil {
			fmt.Fprintf(c, "error: %v\n", err)
			return
		}
		fmt.Fprintln(c, "ok")
	default:
		fmt.Fprintln(c, "error: unknown request")
	}
}

// reload makes the listeners match the state: a DNS server on the gateway of every network with
// members, a listener for every published port.
func (h *helper) reload() error {
	h.reloads.Lock()
	defer h.reloads.Unlock()
	st, err := readState(h.dir)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.st = st
	h.mu.Unlock()

	want := map[string]string{}
	for _, m := range st.Members {
		for _, e := range m.Endpoints {
			if b := st.Bridges[e.Network]; b != nil && b.DNS {
				want[e.Network] = b.Gateway
			}
		}
	}
	var errs []error
	for name, d := range h.dns {
		if want[name] != d.gateway {
			for _, s := range d.servers {
				_ = s.Shutdown()
			}
			delete(h.dns, name)
		}
	}
	for name, gw := range want {
		if _, ok := h.dns[name]; ok {
			continue
		}
		d, err := h.listenDNS(name, gw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h.dns[name] = d
	}

	wantPorts := map[string]string{} // key → target
	for _, m := range st.Members {
		if len(m.Endpoints) == 0 {
			continue
		}
		for _, p := range m.Ports {
			if p.Protocol != "tcp" {
				continue // UDP is not forwarded on networks yet
			}
			for i := uint16(0); i < max(p.Range, 1); i++ {
				key := net.JoinHostPort(p.HostIP, strconv.Itoa(int(p.HostPort+i)))
				wantPorts[key] = net.JoinHostPort(m.Endpoints[0].IP, strconv.Itoa(int(p.ContainerPort+i)))
			}
		}
	}
	for key, l := range h.ports {
		if _, ok := wantPorts[key]; !ok {
			l.Close()
			delete(h.ports, key)
		}
	}
	for key, target := range wantPorts {
		if l, ok := h.ports[key]; ok {
			if l.(*forwarder).target == target {
				continue
			}
			l.Close()
			delete(h.ports, key)
		}
		l, err := net.Listen("tcp", key)
		if err != nil {
			errs = append(errs, fmt.Errorf("publish %s/tcp: %w", key, err))
			continue
		}
		f := &forwarder{Listener: l, target: target, ns: h.ns}
		h.ports[key] = f
		go f.serve()
	}
	return errors.Join(errs...)
}

// forwarder accepts on the host and dials the container's address from inside the shared namespace:
// the container sees the gateway as the source of every connection.
type forwarder struct {
	net.Listener
	target string
	ns     string
}

func (f *forwarder) serve() {
	for {
		c, err := f.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			var up net.Conn
			err := inNetNS(f.ns, func() error {
				var err error
				up, err = net.DialTimeout("tcp", f.target, 10*time.Second)
				return err
			})
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{}, 2)
			go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

func (h *helper) listenDNS(network, gw string) (*dnsListener, error) {
	addr := net.JoinHostPort(gw, "53")
	var pc net.PacketConn
	var tl net.Listener
	err := inNetNS(h.ns, func() error {
		var err error
		if pc, err = net.ListenPacket("udp4", addr); err != nil {
			return err
		}
		if tl, err = net.Listen("tcp4", addr); err != nil {
			pc.Close()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dns on %s for network %s: %w", addr, network, err)
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { h.answer(network, w, r) })
	d := &dnsListener{gateway: gw, servers: []*dns.Server{
		{PacketConn: pc, Handler: handler}, {Listener: tl, Handler: handler},
	}}
	for _, s := range d.servers {
		go s.ActivateAndServe()
	}
	return d, nil
}

// lookup returns the addresses on network of the member called name (its name, an alias, its ID or
// short ID).
func (h *helper) lookup(network, name string) []net.IP {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []net.IP
	for _, m := range h.st.Members {
		for _, e := range m.Endpoints {
			if e.Network != network {
				continue
			}
			match := strings.EqualFold(m.Name, name) || (len(name) >= 12 && strings.HasPrefix(m.ID, name))
			for _, a := range e.Aliases {
				match = match || strings.EqualFold(a, name)
			}
			if match {
				out = append(out, net.ParseIP(e.IP))
			}
		}
	}
	return out
}

func (h *helper) answer(network string, w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) == 1 {
		q := r.Question[0]
		name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
		name = strings.TrimSuffix(name, "."+DNSDomain)
		if ips := h.lookup(network, name); len(ips) > 0 && q.Qclass == dns.ClassINET {
			m := new(dns.Msg)
			m.SetReply(r)
			m.Authoritative = true
			if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
				for _, ip := range ips {
					m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip.To4()})
				}
			}
			_ = w.WriteMsg(m)
			return
		}
		if name == DNSDomain || strings.HasSuffix(strings.ToLower(strings.TrimSuffix(q.Name, ".")), "."+DNSDomain) {
			m := new(dns.Msg)
			m.SetRcode(r, dns.RcodeNameError)
			_ = w.WriteMsg(m)
			return
		}
	}
	proto := "udp"
	if _, ok := w.LocalAddr().(*net.TCPAddr); ok {
		proto = "tcp"
	}
	c := &dns.Client{Net: proto, Timeout: 4 * time.Second}
	for _, up := range h.upstreams {
		resp, _, err := c.Exchange(r, up)
		if err == nil {
			_ = w.WriteMsg(resp)
			return
		}
	}
	m := new(dns.Msg)
	m.SetRcode(r, dns.RcodeServerFailure)
	_ = w.WriteMsg(m)
}

// hostResolvers reads the nameservers of a resolv.conf as HOST:53.
func hostResolvers(path string) []string {
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil || len(cfg.Servers) == 0 {
		return []string{"127.0.0.1:53"}
	}
	var out []string
	for _, s := range cfg.Servers {
		out = append(out, net.JoinHostPort(s, cfg.Port))
	}
	return out
}
