package pasta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Binary is the program run, looked up in PATH.
const Binary = "pasta"

// File names in Options.Dir.
const (
	PIDFile = "pasta.pid"
	LogFile = "pasta.log"
)

// DNSForward is the address skiff asks pasta to answer DNS on (Podman's choice): queries sent there go
// to the host's first nameserver, a loopback one (systemd-resolved) included.
const DNSForward = "169.254.1.1"

// Forward is one published port range.
type Forward struct {
	Proto         string // "tcp" or "udp"
	HostIP        string // "" binds every IPv4 and IPv6 address
	HostPort      uint16
	ContainerPort uint16
	Range         uint16 // number of ports, at least 1
}

// Spec renders f in pasta's -t/-u syntax: [ADDR/]PORT[-END][:TARGET[-END]].
func (f Forward) Spec() string {
	n := f.Range
	if n == 0 {
		n = 1
	}
	var b strings.Builder
	if f.HostIP != "" {
		b.WriteString(f.HostIP + "/")
	}
	b.WriteString(strconv.Itoa(int(f.HostPort)))
	if n > 1 {
		b.WriteString("-" + strconv.Itoa(int(f.HostPort)+int(n)-1))
	}
	b.WriteString(":" + strconv.Itoa(int(f.ContainerPort)))
	if n > 1 {
		b.WriteString("-" + strconv.Itoa(int(f.ContainerPort)+int(n)-1))
	}
	return b.String()
}

// Options are what skiff gives pasta.
type Options struct {
	// NetNS is an open file of the network namespace. pasta gets it as /proc/self/fd/3: it cannot open
	// /proc/PID/ns/net of the container itself, because it drops to nobody and keeps too few
	// capabilities to pass the kernel's ptrace check against the container's init.
	NetNS *os.File
	// Dir holds the PID file and the log.
	Dir string
	// Args are the user's own options (--network pasta:ARGS); they come after skiff's.
	Args []string
	// MTU of the namespace interface; 0 leaves pasta's default (65520).
	MTU int
	// Forwards are the ports pasta publishes.
	Forwards []Forward
	// RealRoot keeps pasta root (--runas 0) when skiff runs as the real root: pasta's switch to
	// nobody would leave it no capability to enter the namespace. See RealRoot.
	RealRoot bool
}

// reserved are the options skiff sets itself: a user who passes them would break teardown.
var reserved = map[string]bool{
	"--netns": true, "--userns": true, "-P": true, "--pid": true, "-f": true, "--foreground": true,
	"--netns-only": true, "-1": true, "--one-off": true, "-l": true, "--log-file": true, "--runas": true,
	"--no-netns-quit": true, "-F": true, "--fd": true,
}

// CheckArgs rejects user options that skiff sets itself.
func CheckArgs(args []string) error {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if reserved[name] {
			return fmt.Errorf("option %s is set by skiff and cannot be given", name)
		}
	}
	return nil
}

// has reports whether args contain one of the options names (as "--name", "--name=v" or "-n").
func has(args []string, names ...string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		for _, n := range names {
			if name == n {
				return true
			}
		}
	}
	return false
}

// CommandArgs returns pasta's command line (without the program).
func (o Options) CommandArgs() []string {
	user := o.Args
	args := []string{"--config-net", "--netns", "/proc/self/fd/3"}
	if o.MTU != 0 && !has(user, "-m", "--mtu") {
		args = append(args, "-m", strconv.Itoa(o.MTU))
	}
	var tcp, udp []string
	for _, f := range o.Forwards {
		if f.Proto == "udp" {
			udp = append(udp, "-u", f.Spec())
		} else {
			tcp = append(tcp, "-t", f.Spec())
		}
	}
	if len(tcp) == 0 && !has(user, "-t", "--tcp-ports") {
		tcp = []string{"-t", "none"}
	}
	if len(udp) == 0 && !has(user, "-u", "--udp-ports") {
		udp = []string{"-u", "none"}
	}
	args = append(args, tcp...)
	args = append(args, udp...)
	if !has(user, "-T", "--tcp-ns") {
		args = append(args, "-T", "none")
	}
	if !has(user, "-U", "--udp-ns") {
		args = append(args, "-U", "none")
	}
	// The host's loopback stays out of reach unless the user maps the gateway to it (--map-gw).
	if !has(user, "--map-gw", "--no-map-gw") {
		args = append(args, "--no-map-gw")
	}
	if !has(user, "--dns-forward") {
		args = append(args, "--dns-forward", DNSForward)
	}
	if !has(user, "-d", "--debug", "--trace", "-q", "--quiet") {
		args = append(args, "-q")
	}
	if o.RealRoot {
		// Dropped to nobody in the initial user namespace, pasta could not enter the namespace.
		args = append(args, "--runas", "0")
	}
	args = append(args, "-P", filepath.Join(o.Dir, PIDFile), "-l", filepath.Join(o.Dir, LogFile))
	return append(args, filterMapGW(user)...)
}

// RealRoot reports whether this process is root in the initial user namespace (not rootless).
func RealRoot() bool {
	if os.Geteuid() != 0 {
		return false
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	return err == nil && strings.Join(strings.Fields(string(b)), " ") == "0 0 4294967295"
}

// filterMapGW drops --map-gw, which pasta does not know: it maps the gateway unless told --no-map-gw.
func filterMapGW(args []string) []string {
	var out []string
	for _, a := range args {
		if a != "--map-gw" {
			out = append(out, a)
		}
	}
	return out
}

// Start runs pasta and returns the PID of the daemon it left behind, once the namespace is configured.
func Start(ctx context.Context, o Options) (int, error) {
	if err := CheckArgs(o.Args); err != nil {
		return 0, err
	}
	path, err := exec.LookPath(Binary)
	if err != nil {
		return 0, fmt.Errorf("%s is not installed (Debian: apt install passt): %w", Binary, err)
	}
	pidPath := filepath.Join(o.Dir, PIDFile)
	os.Remove(pidPath)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, o.CommandArgs()...)
	cmd.Args[0] = Binary
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.ExtraFiles = []*os.File{o.NetNS}
	// A private mount namespace, as for slirp4netns: pasta sandboxes itself with mounts too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Unshareflags: syscall.CLONE_NEWNS}
	// pasta forks its daemon and exits once the namespace is set up.
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w%s", Binary, err, messages(out.String()))
	}
	var pid int
	for start := time.Now(); ; {
		b, err := os.ReadFile(pidPath)
		if err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				break
			}
		}
		if time.Since(start) > 5*time.Second {
			return 0, fmt.Errorf("%s wrote no PID to %s%s", Binary, pidPath, messages(out.String()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return pid, nil
}

// messages returns pasta's own output without its syslog complaints, as ": …" or "".
func messages(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Failed to send") && strings.HasSuffix(l, "to syslog") {
			continue
		}
		keep = append(keep, l)
	}
	if len(keep) == 0 {
		return ""
	}
	return ": " + strings.Join(keep, "; ")
}

// Plan is what pasta will give the namespace, as the container's names files need it.
type Plan struct {
	// Addrs are the container's addresses: the host's own, copied, unless -a says otherwise.
	Addrs []net.IP
	// Gateway is the namespace's default gateway.
	Gateway net.IP
	// MapGW is true when the gateway address reaches the host's loopback (--map-gw).
	MapGW bool
	// DNSForward is the address pasta answers DNS on.
	DNSForward net.IP
}

// PlanFor predicts the namespace's configuration from the user's options and the host's
// default-route interface (template: its addresses and gateway, as pasta picks them).
func PlanFor(args []string, template Template) (Plan, error) {
	p := Plan{Addrs: template.Addrs, Gateway: template.Gateway, DNSForward: net.ParseIP(DNSForward)}
	var userAddrs []net.IP
	takes := map[string]bool{"-a": true, "--address": true, "-g": true, "--gateway": true, "--dns-forward": true}
	for i := 0; i < len(args); i++ {
		name, val, inline := strings.Cut(args[i], "=")
		if takes[name] && !inline {
			if i+1 >= len(args) {
				return Plan{}, fmt.Errorf("option %s needs a value", name)
			}
			i++
			val = args[i]
		}
		switch name {
		case "-a", "--address":
			ip := net.ParseIP(val)
			if ip == nil {
				return Plan{}, fmt.Errorf("option %s %q: not an IP address", name, val)
			}
			userAddrs = append(userAddrs, ip)
		case "-g", "--gateway":
			ip := net.ParseIP(val)
			if ip == nil {
				return Plan{}, fmt.Errorf("option %s %q: not an IP address", name, val)
			}
			if ip.To4() != nil || p.Gateway == nil {
				p.Gateway = ip
			}
		case "--dns-forward":
			ip := net.ParseIP(val)
			if ip == nil {
				return Plan{}, fmt.Errorf("option %s %q: not an IP address", name, val)
			}
			if ip.To4() != nil {
				p.DNSForward = ip
			}
		case "--map-gw":
			p.MapGW = true
		case "--no-map-gw":
			p.MapGW = false
		}
	}
	if len(userAddrs) > 0 {
		// -a replaces the copied address of its family only.
		var out []net.IP
		for _, a := range template.Addrs {
			keep := true
			for _, u := range userAddrs {
				if (a.To4() == nil) == (u.To4() == nil) {
					keep = false
				}
			}
			if keep {
				out = append(out, a)
			}
		}
		p.Addrs = append(userAddrs, out...)
	}
	return p, nil
}

// Template is the host interface pasta copies: the one with the first IPv4 default route.
type Template struct {
	Interface string
	Addrs     []net.IP // IPv4 first, then global IPv6
	Gateway   net.IP
}

// HostTemplate finds the host's default-route interface in /proc/thread-self/net/route (the calling
// thread's network namespace, as pasta sees it when started from this thread).
func HostTemplate() (Template, error) {
	b, err := os.ReadFile("/proc/thread-self/net/route")
	if err != nil {
		return Template{}, err
	}
	var t Template
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != "00000000" {
			continue
		}
		gw, err := strconv.ParseUint(f[2], 16, 32)
		if err != nil {
			continue
		}
		t.Interface = f[0]
		// /proc/net/route prints addresses in host byte order (little-endian here).
		t.Gateway = net.IPv4(byte(gw), byte(gw>>8), byte(gw>>16), byte(gw>>24)).To4()
		break
	}
	if t.Interface == "" {
		return Template{}, errors.New("the host has no IPv4 default route for pasta to copy")
	}
	ifi, err := net.InterfaceByName(t.Interface)
	if err != nil {
		return Template{}, err
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return Template{}, err
	}
	var v6 []net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if ipn.IP.To4() != nil {
			t.Addrs = append(t.Addrs, ipn.IP.To4())
		} else {
			v6 = append(v6, ipn.IP)
		}
	}
	t.Addrs = append(t.Addrs, v6...)
	return t, nil
}
