package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The acceptance scenarios of issue 4 (networking), run as an unprivileged user. Every test publishes
// its own host ports (181xx), so that none waits for another's.

// Distro is the Debian image hack/setup-host.sh --distro builds: socat and iperf3.
const Distro = Registry + "/distro:bookworm"

// helperNames are the argv[0] of the network's helper processes.
var helperNames = []string{"slirp4netns", "pasta", "skiff-netkeeper"}

// userHelpers returns the live helper processes of this user (pid → command line) for which keep
// says yes. Zombies, which wait only for their parent to reap them, do not count.
func userHelpers(keep func(pid int, cmdline string) bool) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name(), &st) != nil || int(st.Uid) != os.Getuid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(b) == 0 {
			continue // a zombie has no command line
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if cmdline := strings.Join(args, " "); slices.Contains(helperNames, filepath.Base(args[0])) && keep(pid, cmdline) {
			out[pid] = cmdline
		}
	}
	return out
}

// netHelpersOf returns the helper processes of the running containers names: the network keeper and
// pasta name the container's run directory (its ID) on their command lines, slirp4netns the network
// namespace of the container's init.
func netHelpersOf(t *testing.T, names ...string) map[int]string {
	t.Helper()
	var keys []string
	for _, n := range names {
		id, pid, _ := strings.Cut(Must(t, "inspect", "--format", "{{.Id}} {{.State.Pid}}", n), " ")
		keys = append(keys, id)
		if pid != "0" {
			keys = append(keys, "/proc/"+pid+"/ns/net ")
		}
	}
	return userHelpers(func(_ int, cmdline string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(cmdline+" ", k) })
	})
}

// sandboxHelpers returns every helper process in the user namespace of s: all of them are its.
func sandboxHelpers(s *Sandbox) map[int]string {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", s.PausePID()))
	if err != nil {
		return nil
	}
	return userHelpers(func(pid int, _ string) bool {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
		return err == nil && l == ns
	})
}

// hasHelper reports whether procs holds a process called name.
func hasHelper(procs map[int]string, name string) bool {
	for _, c := range procs {
		if strings.HasPrefix(c, name+" ") {
			return true
		}
	}
	return false
}

// waitGone fails the test unless every process of procs has exited within a few seconds (a PID that
// shows another command line now is another process).
func waitGone(t *testing.T, what string, procs map[int]string) {
	t.Helper()
	left := map[int]string{}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		clear(left)
		for pid, cmdline := range procs {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if err == nil && strings.Join(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), " ") == cmdline {
				left[pid] = cmdline
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("%s: network helpers left running: %v", what, left)
	}
}

// waitNoSandboxHelpers fails the test unless no helper runs in s's user namespace within a few seconds.
func waitNoSandboxHelpers(t *testing.T, what string, s *Sandbox) {
	t.Helper()
	var left map[int]string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if left = sandboxHelpers(s); len(left) == 0 {
			return
		}
	}
	t.Errorf("%s: network helpers left running: %v", what, left)
}

// httpGet fetches url, retrying for a few seconds while the server in the container starts.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			lastErr = err
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			lastErr = fmt.Errorf("status %s, %w", resp.Status, err)
			continue
		}
		return string(b)
	}
	t.Fatalf("GET %s: %v", url, lastErr)
	return ""
}

// httpdScript serves index.html ("hello-skiff") and a CGI script that prints the caller's address
// (busybox httpd's REMOTE_ADDR) from /www, on port 80.
const httpdScript = `mkdir -p /www/cgi-bin && echo hello-skiff > /www/index.html &&
printf '#!/bin/sh\necho Content-Type: text/plain\necho\necho "$REMOTE_ADDR"\n' > /www/cgi-bin/addr &&
chmod +x /www/cgi-bin/addr && exec httpd -f -p 80 -h /www`

// hostIPv4 returns an IPv4 address of this host that is not a loopback one, or "".
func hostIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			return ipn.IP.String()
		}
	}
	return ""
}

func TestNetworkPublishTCP(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	id := Must(t, "run", "-d", "--name", name, "-p", "127.0.0.1:18080:80", "-p", "18081:80", Busybox, "sh", "-c", httpdScript)

	if got := httpGet(t, "http://127.0.0.1:18080/index.html"); got != "hello-skiff\n" {
		t.Errorf("GET index.html through -p 127.0.0.1:18080:80 = %q, want hello-skiff", got)
	}
	// The container sees the real client: the host's loopback, not slirp4netns's gateway 10.0.2.2.
	if got := strings.TrimSpace(httpGet(t, "http://127.0.0.1:18080/cgi-bin/addr")); !strings.Contains(got, "127.0.0.1") {
		t.Errorf("the CGI script saw the client as %q, want 127.0.0.1", got)
	}
	if ip := hostIPv4(); ip != "" {
		// A client on the host's own address, through slirp4netns's forwarder on a wildcard port.
		if got := strings.TrimSpace(httpGet(t, "http://"+ip+":18081/cgi-bin/addr")); !strings.Contains(got, ip) {
			t.Errorf("a client at %s was seen as %q", ip, got)
		}
	}

	if got := Must(t, "port", name); got != "80/tcp -> 0.0.0.0:18081\n80/tcp -> 127.0.0.1:18080" &&
		got != "80/tcp -> 127.0.0.1:18080\n80/tcp -> 0.0.0.0:18081" {
		t.Errorf("port %s =\n%s", name, got)
	}
	if got := Must(t, "container", "port", name, "80/tcp"); !strings.Contains(got, "127.0.0.1:18080") || !strings.Contains(got, "0.0.0.0:18081") {
		t.Errorf("container port %s 80/tcp = %q", name, got)
	}
	Expect(t, 125, []string{"80/udp"}, "port", name, "80/udp")
	if got := Must(t, "port", "-a"); !strings.Contains(got, id[:12]+"\t80/tcp -> 127.0.0.1:18080") {
		t.Errorf("port -a lacks %s:\n%s", name, got)
	}
	ps := Must(t, "ps", "--filter", "name="+name)
	if !strings.Contains(ps, "127.0.0.1:18080->80/tcp") || !strings.Contains(ps, "0.0.0.0:18081->80/tcp") {
		t.Errorf("ps PORTS column:\n%s", ps)
	}
	got := Must(t, "inspect", "--format", "{{.NetworkSettings.Ports}}", name)
	if got != "map[80/tcp:[{ 18081} {127.0.0.1 18080}]]" && got != "map[80/tcp:[{127.0.0.1 18080} { 18081}]]" {
		t.Errorf("inspect .NetworkSettings.Ports = %s", got)
	}
	if got := Must(t, "inspect", "--format", "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.HostConfig.NetworkMode}}", name); got != "10.0.2.100 10.0.2.2 slirp4netns" {
		t.Errorf("inspect address, gateway, mode = %q, want 10.0.2.100 10.0.2.2 slirp4netns", got)
	}
	procs := netHelpersOf(t, name)
	if !hasHelper(procs, "slirp4netns") || !hasHelper(procs, "skiff-netkeeper") {
		t.Errorf("want slirp4netns and the keeper for %s, found %v", name, procs)
	}

	// Stopped, the helpers go; started again, the network is set up again.
	Must(t, "stop", "-t", "0", name)
	waitGone(t, "after stop", procs)
	if got := Must(t, "port", name); got != "" {
		t.Errorf("port of a stopped container = %q, want nothing", got)
	}
	Must(t, "start", name)
	if got := httpGet(t, "http://127.0.0.1:18080/index.html"); got != "hello-skiff\n" {
		t.Errorf("after restart: GET = %q", got)
	}
	procs = netHelpersOf(t, name)
	Must(t, "rm", "-f", name)
	waitGone(t, "after rm -f", procs)
}

func TestNetworkPublishAll(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--expose", "80", "-P", Busybox, "sh", "-c", httpdScript)
	addr := Must(t, "port", name, "80")
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "0.0.0.0" || port == "0" {
		t.Fatalf("port %s 80 = %q, want 0.0.0.0:RANDOM", name, addr)
	}
	if got := httpGet(t, "http://127.0.0.1:"+port+"/index.html"); got != "hello-skiff\n" {
		t.Errorf("GET through -P's port %s = %q", port, got)
	}
	procs := netHelpersOf(t, name)
	Must(t, "rm", "-f", name)
	waitGone(t, "after rm -f", procs)
}

func TestNetworkPublishUDP(t *testing.T) {
	Must(t, "pull", "-q", Distro)
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "-p", "18053:53/udp", Distro,
		"socat", "UDP-RECVFROM:53,fork", `SYSTEM:read x; echo "got-$x-from-$SOCAT_PEERADDR"`)
	conn, err := net.Dial("udp", "127.0.0.1:18053")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 512)
	var reply string
	for try := 0; try < 20 && reply == ""; try++ {
		if _, err := conn.Write([]byte("ping\n")); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if n, err := conn.Read(buf); err == nil {
			reply = strings.TrimSpace(string(buf[:n]))
		}
	}
	if reply != "got-ping-from-127.0.0.1" {
		t.Errorf("UDP reply through -p 18053:53/udp = %q, want got-ping-from-127.0.0.1", reply)
	}
	procs := netHelpersOf(t, name)
	Must(t, "rm", "-f", name)
	waitGone(t, "after rm -f", procs)
}

func TestNetworkHostLoopback(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:18090")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "from-the-host\n") })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	// busybox wget -T crashes; timeout(1) bounds the attempt instead.
	fetch := "timeout 5 wget -qO- http://host.containers.internal:18090/"
	if out := Must(t, "run", "--rm", "--network", "slirp4netns:allow_host_loopback=true", Busybox, "sh", "-c", fetch); out != "from-the-host" {
		t.Errorf("with allow_host_loopback=true: %q, want the host's answer", out)
	}
	r := Run(t, "run", "--rm", Busybox, "sh", "-c", fetch)
	if r.Code == 0 || strings.Contains(r.Stdout, "from-the-host") {
		t.Errorf("without allow_host_loopback the container reached the host's loopback:\n%s", r)
	}
}

func TestNetworkModes(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		out := Must(t, "run", "--rm", "--network", "none", Busybox, "sh", "-c", "ls /sys/class/net")
		if out != "lo" {
			t.Errorf("--network none: interfaces %q, want only lo", out)
		}
	})
	t.Run("host", func(t *testing.T) {
		ifaces, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, i := range ifaces {
			want = append(want, i.Name)
		}
		out := Must(t, "run", "--rm", "--network", "host", Busybox, "sh", "-c", "ls /sys/class/net")
		if got := strings.Fields(out); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("--network host: interfaces %q, want the host's %q", got, want)
		}
		hostResolv, err := os.ReadFile("/etc/resolv.conf")
		if err == nil {
			if got := Must(t, "run", "--rm", "--net", "host", Busybox, "cat", "/etc/resolv.conf"); nameservers(got) != nameservers(string(hostResolv)) {
				t.Errorf("--network host: resolv.conf nameservers %q, want the host's %q", nameservers(got), nameservers(string(hostResolv)))
			}
		}
	})
	t.Run("container", func(t *testing.T) {
		web := Name(t) + "-web"
		rmContainer(t, web)
		Must(t, "run", "-d", "--name", web, "--add-host", "web-extra:192.0.2.77", Busybox, "sh", "-c",
			"echo shared-netns > /tmp/i.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp")
		out := Must(t, "run", "--rm", "--network", "container:"+web, Busybox, "sh", "-c",
			"for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://localhost:8080/i.html && break; sleep 0.3; done; grep web-extra /etc/hosts")
		if !strings.Contains(out, "shared-netns") {
			t.Errorf("--network container:%s did not reach the server on localhost:\n%s", web, out)
		}
		if !strings.Contains(out, "192.0.2.77") {
			t.Errorf("--network container:%s: /etc/hosts is not %s's:\n%s", web, web, out)
		}
		if got := Must(t, "inspect", "--format", "{{.HostConfig.NetworkMode}}", web); got != "slirp4netns" {
			t.Errorf("default network mode = %q, want slirp4netns", got)
		}
	})
	t.Run("pasta", func(t *testing.T) {
		name := Name(t)
		rmContainer(t, name)
		Must(t, "run", "-d", "--name", name, "--network", "pasta", "-p", "127.0.0.1:18150:80", Busybox, "sh", "-c", httpdScript)
		if got := strings.TrimSpace(httpGet(t, "http://127.0.0.1:18150/cgi-bin/addr")); !strings.Contains(got, "127.0.0.1") {
			t.Errorf("pasta: the CGI script saw the client as %q, want 127.0.0.1", got)
		}
		procs := netHelpersOf(t, name)
		if !hasHelper(procs, "pasta") {
			t.Errorf("no pasta process for %s: %v", name, procs)
		}
		Must(t, "rm", "-f", name)
		waitGone(t, "pasta, after rm -f", procs)
	})
	t.Run("bad", func(t *testing.T) {
		Expect(t, 125, []string{"invalid --network", "bogus"}, "run", "--rm", "--network", "slirp4netns:bogus=1", Busybox, "true")
		Expect(t, 125, []string{"no such container"}, "run", "--rm", "--network", "container:no-such-container-xyz", Busybox, "true")
	})
}

func TestNetworkNames(t *testing.T) {
	out := Must(t, "run", "--rm", "--hostname", "myhost", "--add-host", "db.example:192.0.2.10", "--dns", "192.0.2.53",
		"--dns-search", "corp.example", "--dns-option", "ndots:3", Busybox, "sh", "-c",
		"hostname; cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf")
	for _, want := range []string{"myhost\nmyhost\n", "192.0.2.10\tdb.example", "10.0.2.2\thost.containers.internal",
		"\tmyhost ", "nameserver 192.0.2.53", "search corp.example", "options ndots:3"} {
		if !strings.Contains(out, want) {
			t.Errorf("names files lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nameserver 10.0.2.3") {
		t.Errorf("--dns should replace the nameservers:\n%s", out)
	}
	// --no-hosts keeps the image's /etc/hosts.
	if out := Must(t, "run", "--rm", "--no-hosts", Busybox, "cat", "/etc/hosts"); strings.Contains(out, "host.containers.internal") {
		t.Errorf("--no-hosts: /etc/hosts was written:\n%s", out)
	}
}

// The tests below count every helper process of a sandbox (its own user namespace): other tests' and
// other users' helpers cannot be mistaken for theirs.

func TestNetworkPortInUse(t *testing.T) {
	s := NewSandbox(t)
	s.Must(t, "pull", "-q", Busybox)
	for _, spec := range []string{"127.0.0.1:18120", "18121"} {
		hostPort, addr := spec[strings.LastIndex(spec, ":")+1:], spec
		if !strings.Contains(spec, ":") {
			addr = ":" + spec
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		name := Name(t)
		r := s.Run(t, "run", "-d", "--name", name, "-p", spec+":80", "-p", "127.0.0.1:18122:81/udp", Busybox, "sleep", "100")
		if r.Code != 125 || !strings.Contains(r.Stderr, hostPort) || !strings.Contains(r.Stderr, "address already in use") ||
			strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("-p %s:80 with the port taken: want exit 125 and one line naming the port\n%s", spec, r)
		}
		// run leaves nothing: no container, no helper.
		if out := s.Must(t, "ps", "-a", "-q"); out != "" {
			t.Errorf("-p %s:80: the failed run left containers: %s", spec, out)
		}
		waitNoSandboxHelpers(t, "after the failed run", s)

		// create + start: the container stays created, with no helper running.
		s.Must(t, "create", "--name", name, "-p", spec+":80", Busybox, "sleep", "100")
		if r := s.Run(t, "start", name); r.Code != 125 || !strings.Contains(r.Stderr, hostPort) {
			t.Errorf("start with the port taken: want exit 125 naming the port\n%s", r)
		}
		if st := s.Must(t, "inspect", "--format", "{{.State.Status}}", name); st != "created" {
			t.Errorf("after the failed start: %s, want created", st)
		}
		waitNoSandboxHelpers(t, "after the failed start", s)
		// Once the port is free the same container starts.
		l.Close()
		s.Must(t, "start", name)
		s.Must(t, "rm", "-f", name)
		waitNoSandboxHelpers(t, "after rm -f", s)
	}
}

func TestNetworkNoNetNS(t *testing.T) {
	// The limit is set in a sandbox's own user namespace (a namespaced value, not the host's sysctl):
	// the user may not create network namespaces there.
	s := NewSandbox(t)
	s.Must(t, "pull", "-q", Busybox)
	s.Must(t, "unshare", "sh", "-c", "echo 0 > /proc/sys/user/max_net_namespaces")
	r := s.Run(t, "run", "--rm", Busybox, "true")
	if r.Code != 125 || !strings.Contains(r.Stderr, "--network host") || !strings.Contains(r.Stderr, "max_net_namespaces") ||
		strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("want exit 125 and one line naming max_net_namespaces and --network host\n%s", r)
	}
	if out := s.Must(t, "run", "--rm", "--network", "host", Busybox, "echo", "ok"); out != "ok" {
		t.Errorf("--network host without network namespaces: %q", out)
	}
	if left := s.Must(t, "ps", "-a", "-q"); left != "" {
		t.Errorf("containers left: %s", left)
	}
}

func TestNetworkExitCleansUp(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "-p", "127.0.0.1:18130:80", Busybox, "sleep", "2")
	procs := netHelpersOf(t, name)
	if len(procs) == 0 {
		t.Errorf("no helper runs for %s", name)
	}
	if code := Must(t, "wait", name); code != "0" {
		t.Errorf("wait: exit code %s, want 0", code)
	}
	waitGone(t, "after the container exited by itself", procs)
	if st := Must(t, "inspect", "--format", "{{.State.Status}}", name); st != "exited" {
		t.Errorf("state %s, want exited", st)
	}
}

func TestNetworkTenContainers(t *testing.T) {
	s := NewSandbox(t)
	s.Must(t, "pull", "-q", Busybox)
	for i := 0; i < 10; i++ {
		s.Must(t, "run", "-d", "--name", fmt.Sprintf("c%d", i), "-p", fmt.Sprintf("127.0.0.1:%d:80", 18100+i),
			"-p", fmt.Sprintf("%d:81/udp", 18100+i), Busybox, "httpd", "-f", "-p", "80")
	}
	// slirp4netns and the keeper (the loopback port, the UDP relay) for each.
	if procs := sandboxHelpers(s); len(procs) != 20 {
		t.Errorf("%d helper processes for ten containers, want 20: %v", len(procs), procs)
	}
	for i := 0; i < 10; i++ {
		s.Must(t, "rm", "-f", fmt.Sprintf("c%d", i))
	}
	waitNoSandboxHelpers(t, "after removing ten containers", s)
}

// nameservers returns the nameserver lines of a resolv.conf.
func nameservers(resolv string) string {
	var out []string
	for _, line := range strings.Split(resolv, "\n") {
		if strings.HasPrefix(line, "nameserver") {
			out = append(out, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(out, "\n")
}
