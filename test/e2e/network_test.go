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

// netHelpers returns the live helper processes of this user (pid → command line) that belong to one
// of the containers ids: the run directory, which holds the container's ID, is their working directory
// or is named on their command line. Zombies, which wait only for their parent to reap them, do not
// count.
func netHelpers(ids ...string) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + e.Name()
		var st syscall.Stat_t
		if syscall.Stat(dir, &st) != nil || int(st.Uid) != os.Getuid() {
			continue
		}
		b, err := os.ReadFile(dir + "/cmdline")
		if err != nil || len(b) == 0 {
			continue // a zombie has no command line
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		name := filepath.Base(args[0])
		helper := false
		for _, h := range helperNames {
			helper = helper || name == h
		}
		if !helper {
			continue
		}
		cwd, _ := os.Readlink(dir + "/cwd")
		cmdline := strings.Join(args, " ")
		for _, id := range ids {
			if strings.Contains(cwd, id) || strings.Contains(cmdline, id) {
				out[pid] = cmdline
			}
		}
	}
	return out
}

// waitNoHelpers fails the test unless the helpers of ids are gone within a few seconds.
func waitNoHelpers(t *testing.T, what string, ids ...string) {
	t.Helper()
	var left map[int]string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if left = netHelpers(ids...); len(left) == 0 {
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
			lastErr = fmt.Errorf("status %s, %v", resp.Status, err)
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
	if len(netHelpers(id)) == 0 {
		t.Errorf("no network helper runs for %s", name)
	}

	// Stopped, the helpers go; started again, the network is set up again.
	Must(t, "stop", "-t", "0", name)
	waitNoHelpers(t, "after stop", id)
	if got := Must(t, "port", name); got != "" {
		t.Errorf("port of a stopped container = %q, want nothing", got)
	}
	Must(t, "start", name)
	if got := httpGet(t, "http://127.0.0.1:18080/index.html"); got != "hello-skiff\n" {
		t.Errorf("after restart: GET = %q", got)
	}
	Must(t, "rm", "-f", name)
	waitNoHelpers(t, "after rm -f", id)
}

func TestNetworkPublishAll(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	id := Must(t, "run", "-d", "--name", name, "--expose", "80", "-P", Busybox, "sh", "-c", httpdScript)
	addr := Must(t, "port", name, "80")
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "0.0.0.0" || port == "0" {
		t.Fatalf("port %s 80 = %q, want 0.0.0.0:RANDOM", name, addr)
	}
	if got := httpGet(t, "http://127.0.0.1:"+port+"/index.html"); got != "hello-skiff\n" {
		t.Errorf("GET through -P's port %s = %q", port, got)
	}
	Must(t, "rm", "-f", name)
	waitNoHelpers(t, "after rm -f", id)
}

func TestNetworkPublishUDP(t *testing.T) {
	Must(t, "pull", "-q", Distro)
	name := Name(t)
	rmContainer(t, name)
	id := Must(t, "run", "-d", "--name", name, "-p", "18053:53/udp", Distro,
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
	Must(t, "rm", "-f", name)
	waitNoHelpers(t, "after rm -f", id)
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
		id := Must(t, "run", "-d", "--name", name, "--network", "pasta", "-p", "127.0.0.1:18150:80", Busybox, "sh", "-c", httpdScript)
		if got := strings.TrimSpace(httpGet(t, "http://127.0.0.1:18150/cgi-bin/addr")); !strings.Contains(got, "127.0.0.1") {
			t.Errorf("pasta: the CGI script saw the client as %q, want 127.0.0.1", got)
		}
		Must(t, "rm", "-f", name)
		waitNoHelpers(t, "pasta, after rm -f", id)
	})
	t.Run("bad", func(t *testing.T) {
		Expect(t, 125, []string{"invalid --network", "bogus"}, "run", "--rm", "--network", "bogus", Busybox, "true")
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

func TestNetworkPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:18120")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	name := Name(t)
	rmContainer(t, name)
	r := Expect(t, 125, []string{"18120", "address already in use"}, "run", "-d", "--name", name, "-p", "127.0.0.1:18120:80", Busybox, "sleep", "100")
	if strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("want one line of error:\n%s", r.Stderr)
	}
	// run leaves nothing: no container, no helper.
	if r := Run(t, "container", "exists", name); r.Code != 1 {
		t.Errorf("the container of the failed run exists (exit %d)", r.Code)
	}
	if left := netHelpers(name); len(left) > 0 {
		t.Errorf("helpers left: %v", left)
	}

	// create + start: the container stays created, with no helper running.
	id := Must(t, "create", "--name", name, "-p", "127.0.0.1:18120:80", Busybox, "sleep", "100")
	Expect(t, 125, []string{"127.0.0.1:18120"}, "start", name)
	if st := Must(t, "inspect", "--format", "{{.State.Status}}", name); st != "created" {
		t.Errorf("after the failed start: %s, want created", st)
	}
	waitNoHelpers(t, "after the failed start", id)
	// Once the port is free the same container starts.
	l.Close()
	Must(t, "start", name)
	Must(t, "rm", "-f", name)
	waitNoHelpers(t, "after rm -f", id)
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
	id := Must(t, "run", "-d", "--name", name, "-p", "127.0.0.1:18130:80", Busybox, "sleep", "1")
	if code := Must(t, "wait", name); code != "0" {
		t.Errorf("wait: exit code %s, want 0", code)
	}
	waitNoHelpers(t, "after the container exited by itself", id)
	if st := Must(t, "inspect", "--format", "{{.State.Status}}", name); st != "exited" {
		t.Errorf("state %s, want exited", st)
	}
}

func TestNetworkTenContainers(t *testing.T) {
	base := Name(t)
	var ids []string
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("%s-%d", base, i)
		rmContainer(t, name)
		ids = append(ids, Must(t, "run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:80", 18100+i),
			"-p", fmt.Sprintf("%d:81/udp", 18100+i), Busybox, "httpd", "-f", "-p", "80"))
	}
	if n := len(netHelpers(ids...)); n < 10 {
		t.Errorf("%d helper processes for ten containers, want at least one each", n)
	}
	for i := range ids {
		Must(t, "rm", "-f", fmt.Sprintf("%s-%d", base, i))
	}
	waitNoHelpers(t, "after removing ten containers", ids...)
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
