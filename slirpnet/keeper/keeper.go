package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rootless-containers/rootlesskit/v2/pkg/port"
	"github.com/rootless-containers/rootlesskit/v2/pkg/port/builtin"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/proc"
)

// Argv0 is the keeper's argv[0], as ps shows it.
const Argv0 = "skiff-netkeeper"

// LogFile is the keeper's log, in Config.Dir.
const LogFile = "netkeeper.log"

// Forward is one port the keeper serves.
type Forward struct {
	Proto    string `json:"proto"` // tcp, udp (rootlesskit also takes tcp4, tcp6, udp4, udp6)
	HostIP   string `json:"hostIP"`
	HostPort int    `json:"hostPort"`
	// ChildIP is the address dialled inside the namespace (rootlesskit forwards only).
	ChildIP   string `json:"childIP,omitempty"`
	ChildPort int    `json:"childPort"`
}

// Config is what the keeper serves.
type Config struct {
	// Dir is the keeper's working directory: rootlesskit's socket and fifo live there.
	Dir string `json:"dir"`
	// Rootlesskit are forwarded by rootlesskit's builtin driver.
	Rootlesskit []Forward `json:"rootlesskit,omitempty"`
	// UDPLoopback are relayed to the namespace's loopback from the host's loopback address HostIP
	// (bound with SO_REUSEADDR, next to a helper bound to the wildcard address).
	UDPLoopback []Forward `json:"udpLoopback,omitempty"`
	// Helpers names the pidfds from fd 6 on.
	Helpers []string `json:"helpers,omitempty"`
}

// Start runs a keeper for cfg and returns once it serves every port. The process runs in its own
// session and is reaped in the background should the caller live on.
func Start(cfg Config, initPidfd, netns *os.File, helpers []*os.File) (*exec.Cmd, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(cfg.Dir, LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := command(string(b))
	cmd.Dir = cfg.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = append([]*os.File{initPidfd, netns, w}, helpers...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// A small heap: the keeper copies bytes and waits.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2", "GOGC=50")
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", Argv0, err)
	}
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	msg, _ := io.ReadAll(r)
	if s := strings.TrimSpace(string(msg)); s != "ok" {
		cmd.Process.Kill()
		cmd.Wait()
		s = strings.TrimPrefix(s, "error: ")
		if s == "" {
			s = "exited before it was ready"
		}
		return nil, errors.New(s)
	}
	go cmd.Wait()
	return cmd, nil
}

// Binary is the keeper's own executable, looked for next to skiff's binary (make build and make install
// put it there).
const Binary = "skiff-netkeeper"

// command returns the keeper's command: the executable next to skiff's binary, else skiff re-executed
// as the keeper (the package tests, a skiff run from its build directory without make).
func command(config string) *exec.Cmd {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), Binary)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return &exec.Cmd{Path: p, Args: []string{Argv0, config}}
		}
	}
	logrus.Debugf("%s not found next to skiff: re-executing skiff as the keeper", Binary)
	// The running skiff binary itself (not the file at its path, which an upgrade may replace).
	return &exec.Cmd{Path: "/proc/self/exe", Args: []string{Argv0, config}}
}

// Serve is the keeper process, args its command line (argv[0], the configuration as JSON). It serves
// until the container's init exits or a signal ends it, and returns an error, also reported on the
// ready pipe, when it could not serve every port.
func Serve(args []string) error {
	debug.SetGCPercent(50)
	ready := os.NewFile(5, "ready")
	if err := serve(ready, args); err != nil {
		fmt.Fprintf(ready, "error: %v\n", err)
		return err
	}
	return nil
}

func serve(ready *os.File, args []string) error {
	if len(args) < 2 {
		return errors.New("missing configuration")
	}
	var cfg Config
	if err := json.Unmarshal([]byte(args[1]), &cfg); err != nil {
		return fmt.Errorf("parse configuration: %w", err)
	}
	initPidfd := os.NewFile(3, "pidfd:init")
	netns := os.NewFile(4, "netns")
	// The relays and rootlesskit's child driver use fd 4 by number for as long as the keeper runs: the
	// garbage collector must not close it through the *os.File.
	defer runtime.KeepAlive(netns)
	var helpers []*os.File
	for i, name := range cfg.Helpers {
		helpers = append(helpers, os.NewFile(uintptr(6+i), "pidfd:"+name))
	}
	quit := make(chan struct{})
	if len(cfg.Rootlesskit) > 0 {
		if err := runRootlesskit(cfg.Rootlesskit, quit); err != nil {
			return err
		}
	}
	for _, f := range cfg.UDPLoopback {
		if _, err := relayUDP(f, nsDialer(int(netns.Fd()))); err != nil {
			return err
		}
	}
	fmt.Fprintln(ready, "ok")
	ready.Close()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	exited := make(chan struct{})
	go func() {
		for !proc.Exited(initPidfd, time.Hour) {
		}
		close(exited)
	}()
	select {
	case <-exited:
		// The container is gone: so is its network. Stop the helpers that do not notice by themselves.
		for i, h := range helpers {
			if err := unix.PidfdSendSignal(int(h.Fd()), unix.SIGTERM, nil, 0); err == nil && !proc.Exited(h, 2*time.Second) {
				unix.PidfdSendSignal(int(h.Fd()), unix.SIGKILL, nil, 0)
			}
			fmt.Fprintf(os.Stderr, "%s: container exited, stopped %s\n", Argv0, cfg.Helpers[i])
		}
	case <-sigs:
	}
	close(quit)
	return nil
}

// runRootlesskit starts rootlesskit's builtin parent and child drivers in this process: the parent
// listens on the host, the child dials inside the namespace (through fd 4) and passes the connection
// back over a unix socket in the working directory.
func runRootlesskit(fwds []Forward, quit chan struct{}) error {
	parent, err := builtin.NewParentDriver(os.Stderr, ".")
	if err != nil {
		return fmt.Errorf("rootlesskit port driver: %w", err)
	}
	child := builtin.NewChildDriver(os.Stderr)
	childErr := make(chan error, 1)
	go func() { childErr <- child.RunChildDriver(parent.OpaqueForChild(), quit, "/proc/self/fd/4") }()
	initDone := make(chan struct{}, 1)
	parentErr := make(chan error, 1)
	go func() { parentErr <- parent.RunParentDriver(initDone, quit, nil) }()
	select {
	case <-initDone:
	case err := <-childErr:
		return fmt.Errorf("rootlesskit child driver: %w", err)
	case err := <-parentErr:
		return fmt.Errorf("rootlesskit parent driver: %w", err)
	case <-time.After(10 * time.Second):
		return errors.New("rootlesskit port driver: not ready in time")
	}
	for _, f := range fwds {
		spec := port.Spec{Proto: f.Proto, ParentIP: f.HostIP, ParentPort: f.HostPort, ChildIP: f.ChildIP, ChildPort: f.ChildPort}
		if _, err := parent.AddPort(context.Background(), spec); err != nil {
			return fmt.Errorf("publish %s/%s: %w", net.JoinHostPort(f.HostIP, fmt.Sprint(f.HostPort)), strings.TrimRight(f.Proto, "46"), err)
		}
	}
	return nil
}

// udpIdle is how long a relayed UDP flow lives without traffic.
const udpIdle = 2 * time.Minute

// dialFunc dials target from local in the container's network namespace.
type dialFunc func(local, target *net.UDPAddr) (*net.UDPConn, error)

// nsDialer dials inside the network namespace nsFD.
func nsDialer(nsFD int) dialFunc {
	return func(local, target *net.UDPAddr) (conn *net.UDPConn, err error) {
		err = inNetNS(nsFD, func() (err error) {
			conn, err = net.DialUDP("udp", local, target)
			return err
		})
		return conn, err
	}
}

// relayUDP serves f.HostIP:f.HostPort on the host's loopback, relaying each client's datagrams to
// 127.0.0.1:f.ChildPort through a socket of its own that dial makes.
func relayUDP(f Forward, dial dialFunc) (*udpRelay, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1) })
		if err != nil {
			return err
		}
		return serr
	}}
	hostAddr := net.JoinHostPort(f.HostIP, fmt.Sprint(f.HostPort))
	pc, err := lc.ListenPacket(context.Background(), "udp", hostAddr)
	if err != nil {
		return nil, fmt.Errorf("publish %s/udp: %w", hostAddr, err)
	}
	ln := pc.(*net.UDPConn)
	r := &udpRelay{ln: ln, dial: dial, port: f.ChildPort, flows: map[string]*net.UDPConn{}}
	go r.run()
	return r, nil
}

type udpRelay struct {
	ln    *net.UDPConn
	dial  dialFunc
	port  int
	mu    sync.Mutex
	flows map[string]*net.UDPConn
}

func (r *udpRelay) run() {
	buf := make([]byte, 65536)
	for {
		n, client, err := r.ln.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		conn, err := r.flow(client)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: udp from %s: %v\n", Argv0, client, err)
			continue
		}
		conn.Write(buf[:n])
	}
}

// flow returns the namespace socket for client, creating it bound to the client's own address (an IPv4
// loopback address, which exists in the namespace too) so the container sees who sent the datagram.
func (r *udpRelay) flow(client *net.UDPAddr) (*net.UDPConn, error) {
	key := client.String()
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.flows[key]; c != nil {
		return c, nil
	}
	// IPv4 inside, whatever the client used: most servers listen there (alone or dual-stack).
	target := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: r.port}
	var local *net.UDPAddr
	if ip4 := client.IP.To4(); ip4 != nil && ip4.IsLoopback() {
		local = &net.UDPAddr{IP: ip4}
	}
	conn, err := r.dial(local, target)
	if err != nil {
		return nil, err
	}
	r.flows[key] = conn
	go func() {
		buf := make([]byte, 65536)
		for {
			conn.SetReadDeadline(time.Now().Add(udpIdle))
			n, err := conn.Read(buf)
			if errors.Is(err, syscall.ECONNREFUSED) {
				continue // an ICMP error for an earlier datagram: nobody listened then; keep the flow
			}
			if err != nil {
				break // idle for udpIdle, or closed
			}
			r.ln.WriteToUDP(buf[:n], client)
		}
		r.mu.Lock()
		delete(r.flows, key)
		r.mu.Unlock()
		conn.Close()
	}()
	return conn, nil
}

// inNetNS runs fn on a thread that has joined the network namespace nsFD. The thread is never
// returned to the scheduler: it ends with the goroutine.
func inNetNS(nsFD int, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(nsFD, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("join the container's network namespace: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
