package slirp4netns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Binary is the program run, looked up in PATH.
const Binary = "slirp4netns"

// File names in Options.Dir.
const (
	APISocket = "slirp4netns.sock"
	LogFile   = "slirp4netns.log"
)

// Defaults of slirp4netns itself, as Podman uses them.
const (
	DefaultMTU  = 65520
	DefaultCIDR = "10.0.2.0/24"
	maxMTU      = 65521
)

// Options are the flags skiff gives slirp4netns.
type Options struct {
	// NetNS is the path of the network namespace to connect (e.g. /proc/PID/ns/net).
	NetNS string
	// Dir holds the API socket and the log. slirp4netns runs there and binds the socket by a relative
	// name, so the length of Dir does not matter.
	Dir string
	// ExitFD makes slirp4netns exit when poll(2) reports an event on it. Give it a pidfd of the
	// container's init: the pidfd reports POLLHUP once that process is reaped, so slirp4netns dies with
	// the container and nobody has to hold a pipe open. May be nil.
	ExitFD *os.File
	// MTU of tap0; 0 means DefaultMTU.
	MTU int
	// CIDR of the virtual network; "" means DefaultCIDR.
	CIDR string
	// EnableIPv6 gives the namespace fd00::/64 by router advertisements.
	EnableIPv6 bool
	// AllowHostLoopback lets the container reach the host's 127.0.0.1 through the gateway address.
	AllowHostLoopback bool
	// OutboundAddr and OutboundAddr6 bind outgoing connections to an address or an interface.
	OutboundAddr, OutboundAddr6 string
}

// Args returns slirp4netns's command line (without the program) for the given exit and ready fds.
func (o Options) Args(exitFD, readyFD int, f Features) []string {
	mtu := o.MTU
	if mtu == 0 {
		mtu = DefaultMTU
	}
	args := []string{"--configure", "--mtu=" + strconv.Itoa(mtu)}
	if !o.AllowHostLoopback {
		args = append(args, "--disable-host-loopback")
	}
	if o.CIDR != "" {
		args = append(args, "--cidr="+o.CIDR)
	}
	if o.EnableIPv6 {
		args = append(args, "--enable-ipv6")
	}
	if o.OutboundAddr != "" {
		args = append(args, "--outbound-addr="+o.OutboundAddr)
	}
	if o.OutboundAddr6 != "" {
		args = append(args, "--outbound-addr6="+o.OutboundAddr6)
	}
	if f.Sandbox {
		args = append(args, "--enable-sandbox")
	}
	if f.Seccomp {
		args = append(args, "--enable-seccomp")
	}
	args = append(args, "--api-socket", APISocket, "--netns-type=path")
	if exitFD >= 0 {
		args = append(args, "--exit-fd="+strconv.Itoa(exitFD))
	}
	if readyFD >= 0 {
		args = append(args, "--ready-fd="+strconv.Itoa(readyFD))
	}
	return append(args, o.NetNS, "tap0")
}

// Validate checks the options that slirp4netns would reject only after it started.
func (o Options) Validate() error {
	if o.MTU != 0 && (o.MTU < 68 || o.MTU > maxMTU) {
		return fmt.Errorf("mtu %d: want 68 to %d", o.MTU, maxMTU)
	}
	if o.CIDR != "" {
		if _, _, _, err := Addresses(o.CIDR); err != nil {
			return err
		}
	}
	return nil
}

// Addresses returns the container's address, the gateway (the host as the container sees it) and the
// DNS forwarder for a network cidr ("" = DefaultCIDR): .100, .2 and .3 of it.
func Addresses(cidr string) (guest, gateway, dns net.IP, err error) {
	if cidr == "" {
		cidr = DefaultCIDR
	}
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil || ip.To4() == nil {
		return nil, nil, nil, fmt.Errorf("cidr %q: want an IPv4 network such as %s", cidr, DefaultCIDR)
	}
	if ones, _ := n.Mask.Size(); ones > 25 {
		return nil, nil, nil, fmt.Errorf("cidr %q: the prefix must be /25 or shorter (the container gets .100)", cidr)
	}
	base := n.IP.To4()
	at := func(i byte) net.IP { return net.IPv4(base[0], base[1], base[2], base[3]+i).To4() }
	return at(100), at(2), at(3), nil
}

// Features are the optional flags the installed slirp4netns supports.
type Features struct {
	Sandbox, Seccomp bool
}

var (
	featuresOnce sync.Once
	features     Features
)

// Probe reads the installed slirp4netns's --help once and reports its features.
func Probe() Features {
	featuresOnce.Do(func() {
		out, _ := exec.Command(Binary, "--help").CombinedOutput()
		features.Sandbox = bytes.Contains(out, []byte("--enable-sandbox"))
		features.Seccomp = bytes.Contains(out, []byte("--enable-seccomp"))
	})
	return features
}

// Start runs slirp4netns and returns once it has configured tap0 in the namespace. The process runs in
// its own session, so it outlives the caller; cmd.Wait is called in the background to reap it should
// the caller live longer.
//
// It also runs in its own mount namespace whose mounts are all private (Go's Unshareflags does that):
// the --enable-sandbox of slirp4netns 1.2.0 makes only "/" private before it unmounts the old root,
// which, where mounts are shared (mount --make-rshared /), unmounts every mount that is not directly on
// "/" in the caller's namespace as well: /sys/fs/cgroup/*, /dev/shm, /dev/pts, /run/netns/*.
func Start(ctx context.Context, o Options) (*exec.Cmd, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	path, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed: %w", Binary, err)
	}
	logf, err := os.OpenFile(filepath.Join(o.Dir, LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyR.Close()
	files := []*os.File{readyW}
	exitFD, readyFD := -1, 3
	if o.ExitFD != nil {
		files = []*os.File{o.ExitFD, readyW}
		exitFD, readyFD = 3, 4
	}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        append([]string{Binary}, o.Args(exitFD, readyFD, Probe())...),
		Dir:         o.Dir,
		Stdout:      logf,
		Stderr:      logf,
		ExtraFiles:  files,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Unshareflags: syscall.CLONE_NEWNS},
	}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", Binary, err)
	}
	if err := waitReady(ctx, readyR); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("%s: %w%s", Binary, err, LogTail(filepath.Join(o.Dir, LogFile)))
	}
	go cmd.Wait()
	return cmd, nil
}

// waitReady waits for slirp4netns to write "1" on its ready fd.
func waitReady(ctx context.Context, r *os.File) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	r.SetReadDeadline(deadline)
	buf := make([]byte, 1)
	_, err := r.Read(buf)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("not ready in time")
	case err != nil:
		return errors.New("exited before it was ready")
	case buf[0] != '1':
		return fmt.Errorf("ready fd said %q", buf)
	}
	return nil
}

// LogTail returns ": " and the last lines of a log file, or "" when it is empty.
func LogTail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	s := strings.Join(lines, "; ")
	if s == "" {
		return ""
	}
	return " (log: " + s + ")"
}

// Client talks to the API socket in a slirp4netns directory.
type Client struct {
	// Dir is Options.Dir of the slirp4netns to talk to.
	Dir string
}

// HostFwd is one port forwarding, as list_hostfwd reports it.
type HostFwd struct {
	ID        int    `json:"id"`
	Proto     string `json:"proto"`
	HostAddr  string `json:"host_addr"`
	HostPort  int    `json:"host_port"`
	GuestAddr string `json:"guest_addr"`
	GuestPort int    `json:"guest_port"`
}

// AddHostFwd makes slirp4netns listen on hostAddr:hostPort (IPv4 only) and forward to the container's
// guestPort. slirp4netns accepts the connection itself, so the container sees the client's address; a
// client on the host's loopback is seen as the gateway address (libslirp rewrites 127.0.0.0/8).
func (c Client) AddHostFwd(ctx context.Context, proto, hostAddr string, hostPort, guestPort int) (int, error) {
	var reply struct {
		Return struct {
			ID int `json:"id"`
		} `json:"return"`
	}
	args := map[string]any{"proto": proto, "host_addr": hostAddr, "host_port": hostPort, "guest_port": guestPort}
	if err := c.call(ctx, "add_hostfwd", args, &reply); err != nil {
		return 0, err
	}
	return reply.Return.ID, nil
}

// ListHostFwd returns the forwardings slirp4netns serves.
func (c Client) ListHostFwd(ctx context.Context) ([]HostFwd, error) {
	var reply struct {
		Entries []HostFwd `json:"entries"`
	}
	if err := c.call(ctx, "list_hostfwd", nil, &reply); err != nil {
		return nil, err
	}
	return reply.Entries, nil
}

// call sends one request on a new connection, as the API wants: slirp4netns reads the request with a
// single read and closes the connection after its reply.
func (c Client) call(ctx context.Context, execute string, args any, reply any) error {
	req := map[string]any{"execute": execute}
	if args != nil {
		req["arguments"] = args
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	// Reach the socket through an fd of its directory: the path stays short whatever Dir's length.
	dir, err := os.Open(c.Dir)
	if err != nil {
		return fmt.Errorf("slirp4netns api: %w", err)
	}
	defer dir.Close()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), APISocket))
	if err != nil {
		return fmt.Errorf("slirp4netns api: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
	}
	if _, err := conn.Write(body); err != nil {
		return fmt.Errorf("slirp4netns api %s: %w", execute, err)
	}
	conn.(*net.UnixConn).CloseWrite()
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(conn); err != nil {
		return fmt.Errorf("slirp4netns api %s: %w", execute, err)
	}
	var e struct {
		Error *struct {
			Desc string `json:"desc"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw.Bytes(), &e); err != nil {
		return fmt.Errorf("slirp4netns api %s: reply %q: %w", execute, raw.String(), err)
	}
	if e.Error != nil {
		return fmt.Errorf("slirp4netns api %s: %s", execute, e.Error.Desc)
	}
	return json.Unmarshal(raw.Bytes(), reply)
}
