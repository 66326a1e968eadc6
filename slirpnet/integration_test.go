package slirpnet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/slirpnet/keeper"
)

// The helpers re-execute the test binary as the network keeper.
func TestMain(m *testing.M) {
	if os.Args[0] == keeper.Argv0 {
		if err := keeper.Serve(os.Args); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", keeper.Argv0, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Addresses of the test's private "host" network: the host itself (pasta copies it) and a client
// elsewhere on its network, whose address the container must see.
const (
	testHostIP   = "198.51.100.7"
	testClientIP = "198.51.100.9"
)

// hermeticHost moves the calling test's thread into a new network namespace that plays the host: lo,
// and an interface (one end of a veth pair) with testHostIP, testClientIP and a default route. The thread is never
// unlocked, so it ends with the test. It runs as root (the real one, or inside skiff's user namespace:
// `skiff unshare go test ...` proves the rootless case) and skips only when the kernel refuses
// namespaces, saying why.
func hermeticHost(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: run as root, or rootless inside `skiff unshare`")
	}
	for _, bin := range []string{"ip", "slirp4netns", "pasta"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is not installed: %v", bin, err)
		}
	}
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET | unix.CLONE_NEWNS); err != nil {
		skipIfLimited(t, "network", err)
		t.Fatalf("unshare(CLONE_NEWNET|CLONE_NEWNS): %v", err)
	}
	// The mount namespace is cut off from the host's first, then made shared like a host after
	// `mount --make-rshared /`, with a canary mount: a helper whose sandbox forgot to make its own
	// mounts private unmounts the canary through propagation (slirp4netns's does, as real root).
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		t.Fatalf("make / private: %v", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SHARED, ""); err != nil {
		t.Fatalf("make / shared: %v", err)
	}
	// The canary sits on another mount, as /sys/fs/cgroup/cpu on /sys/fs/cgroup or /dev/shm on /dev:
	// slirp4netns makes only "/" private, so unmounting its copy of such a mount reaches ours.
	parent := filepath.Join(t.TempDir(), "parent")
	canary := filepath.Join(parent, "canary")
	os.Mkdir(parent, 0o755)
	if err := unix.Mount("canary-parent", parent, "tmpfs", 0, "size=4k"); err != nil {
		t.Fatalf("mount the canary's parent: %v", err)
	}
	os.Mkdir(canary, 0o755)
	if err := unix.Mount("canary", canary, "tmpfs", 0, "size=4k"); err != nil {
		t.Fatalf("mount the canary: %v", err)
	}
	t.Cleanup(func() {
		if !mounted(canary) {
			t.Errorf("the helpers unmounted %s: they must not touch the caller's mounts", canary)
		}
		unix.Unmount(canary, unix.MNT_DETACH)
		unix.Unmount(parent, unix.MNT_DETACH)
	})
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "d0", "type", "veth", "peer", "name", "d1"}, // the kernel may lack dummy
		{"addr", "add", testHostIP + "/24", "dev", "d0"},
		{"addr", "add", testClientIP + "/24", "dev", "d0"},
		{"link", "set", "d1", "up"},
		{"link", "set", "d0", "up"},
		{"route", "add", "default", "via", "198.51.100.1"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

// mounted reports whether path is a mount point in the calling thread's mount namespace.
func mounted(path string) bool {
	b, _ := os.ReadFile("/proc/thread-self/mountinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

// skipIfLimited skips the test when err is the kernel refusing a namespace (a sysctl limit, or no
// permission to create one here), with the reason.
func skipIfLimited(t *testing.T, kind string, err error) {
	t.Helper()
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EUSERS) || errors.Is(err, unix.EINVAL) {
		t.Skipf("the kernel refuses a new %s namespace here: %v (user.max_user_namespaces=%s, user.max_net_namespaces=%s)",
			kind, err, readSysctl("user/max_user_namespaces"), readSysctl("user/max_net_namespaces"))
	}
}

// startContainer starts a stand-in for a container's init in a new user and network namespace.
func startContainer(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "1000")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	if err := cmd.Start(); err != nil {
		skipIfLimited(t, "user+network", err)
		t.Fatalf("start a process in a new user+network namespace: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	inNetNS(t, cmd.Process.Pid, func() error {
		return exec.Command("ip", "link", "set", "lo", "up").Run()
	})
	return cmd
}

// inNetNS runs fn on a thread inside the network namespace of pid. Sockets it creates stay there.
func inNetNS(t *testing.T, pid int, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// servePeers starts, inside the container's namespace, servers that answer every client with the
// address they see it from: on port, TCP after the client's first line (as HTTP: the client speaks
// first) and UDP; on port+1, TCP at once (as SMTP or MySQL: the server speaks first).
func servePeers(t *testing.T, pid, port int) {
	t.Helper()
	inNetNS(t, pid, func() error {
		ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
		if err != nil {
			return err
		}
		first, err := net.Listen("tcp", ":"+strconv.Itoa(port+1))
		if err != nil {
			return err
		}
		pc, err := net.ListenPacket("udp", ":"+strconv.Itoa(port))
		if err != nil {
			return err
		}
		t.Cleanup(func() { ln.Close(); first.Close(); pc.Close() })
		serve := func(ln net.Listener, clientFirst bool) {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					if clientFirst {
						c.SetReadDeadline(time.Now().Add(5 * time.Second))
						if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
							return
						}
					}
					fmt.Fprintln(c, c.RemoteAddr().(*net.TCPAddr).IP)
				}()
			}
		}
		go serve(ln, true)
		go serve(first, false)
		go func() {
			buf := make([]byte, 1500)
			for {
				_, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo([]byte(from.(*net.UDPAddr).IP.String()+"\n"), from)
			}
		}()
		return nil
	})
}

// peerTCP connects from src ("": any) to dst, says hello and returns the address the container saw.
func peerTCP(t *testing.T, src, dst string) string {
	t.Helper()
	seen, err := dialPeer(src, dst, true)
	if err != nil {
		t.Fatal(err)
	}
	return seen
}

// dialPeer connects from src to dst and reads the line the server sends, after sending one first if
// hello is set.
func dialPeer(src, dst string, hello bool) (string, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := d.Dial("tcp", dst)
	if err != nil {
		return "", fmt.Errorf("connect %s → %s: %w", src, dst, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if hello {
		fmt.Fprintln(c, "hello")
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read from %s: %w", dst, err)
	}
	return strings.TrimSpace(line), nil
}

// peerUDP sends a datagram from src to dst and returns the address the container saw.
func peerUDP(t *testing.T, src, dst string) string {
	t.Helper()
	var laddr *net.UDPAddr
	if src != "" {
		laddr = &net.UDPAddr{IP: net.ParseIP(src)}
	}
	raddr, err := net.ResolveUDPAddr("udp", dst)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", laddr, raddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 1500)
	for try := 0; try < 3; try++ {
		c.Write([]byte("hi"))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := c.Read(buf); err == nil {
			return strings.TrimSpace(string(buf[:n]))
		}
	}
	t.Fatalf("no UDP answer from %s (sent from %q)", dst, src)
	return ""
}

// helpersOf returns the helpers recorded for runDir.
func helpersOf(t *testing.T, runDir string) []proc.Record {
	t.Helper()
	st, err := readState(filepath.Join(runDir, netSubdir))
	if err != nil {
		t.Fatal(err)
	}
	return st.Helpers
}

func waitGone(t *testing.T, recs []proc.Record, why string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, r := range recs {
		for r.Alive() {
			if time.Now().After(deadline) {
				t.Fatalf("%s (pid %d) still runs %s", r.Name, r.PID, why)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func TestSlirp4netnsIntegration(t *testing.T) { testDriver(t, "slirp4netns") }

func TestPastaIntegration(t *testing.T) { testDriver(t, "pasta") }

func TestRootlesskitHandlerIntegration(t *testing.T) {
	testDriver(t, "slirp4netns:port_handler=rootlesskit")
}

func testDriver(t *testing.T, network string) {
	hermeticHost(t)
	mode, err := ParseMode(network, "")
	if err != nil {
		t.Fatal(err)
	}
	ctr := startContainer(t)
	pid := ctr.Process.Pid
	servePeers(t, pid, 8080)
	runDir := t.TempDir()
	ports, err := ParsePorts([]string{"127.0.0.1::8080", "0:8080", "127.0.0.1::8080/udp", "0:8080/udp", "0:8081"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := Setup(ctx, Config{Mode: mode, NetNSPath: fmt.Sprintf("/proc/%d/ns/net", pid), PID: pid, Ports: ports, RunDir: runDir})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	got := n.Ports()
	t.Logf("%s: PORTS %s", network, PortsColumn(got, nil))
	hostPort := func(i int) string { return strconv.Itoa(int(got[i].HostPort)) }

	// The interface, its address and MTU.
	inNetNS(t, pid, func() error {
		name, want := "tap0", "10.0.2.100/24"
		if mode.Kind == Pasta {
			name, want = "d0", testHostIP+"/24"
		}
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return fmt.Errorf("%s in the container: %w", name, err)
		}
		addrs, _ := ifi.Addrs()
		found := false
		for _, a := range addrs {
			found = found || a.String() == want
		}
		if !found || ifi.MTU != 65520 {
			return fmt.Errorf("%s has %v, MTU %d; want %s, MTU 65520", name, addrs, ifi.MTU, want)
		}
		return nil
	})

	// Who the container sees. The rootlesskit handler dials from the container's own address.
	external, loopback := testClientIP, "127.0.0.1"
	if mode.PortHandler() == HandlerRootlesskit {
		external, loopback = "10.0.2.100", "10.0.2.100"
	}
	if seen := peerTCP(t, "", "127.0.0.1:"+hostPort(0)); seen != loopback {
		t.Errorf("TCP from the loopback: container saw %s, want %s", seen, loopback)
	}
	if seen := peerTCP(t, testClientIP, testHostIP+":"+hostPort(1)); seen != external {
		t.Errorf("TCP from %s: container saw %s, want %s", testClientIP, seen, external)
	}
	// A server that speaks first: pasta 2023-03-09 never completes the handshake with the container
	// for a non-loopback client that stays silent (see BuiltinDefault); the others must work.
	seen, err := dialPeer(testClientIP, testHostIP+":"+hostPort(4), false)
	switch {
	case err == nil && seen == external:
	case mode.Kind == Pasta && err != nil:
		t.Logf("known pasta bug: a server-first connection from %s hangs: %v", testClientIP, err)
	default:
		t.Errorf("server-first TCP from %s: container saw %q, %v; want %s", testClientIP, seen, err, external)
	}
	if seen := peerUDP(t, "", "127.0.0.1:"+hostPort(2)); seen != loopback {
		t.Errorf("UDP from the loopback (loopback-bound port): container saw %s, want %s", seen, loopback)
	}
	if seen := peerUDP(t, "", "127.0.0.1:"+hostPort(3)); seen != loopback {
		t.Errorf("UDP from the loopback (wildcard port): container saw %s, want %s", seen, loopback)
	}
	if seen := peerUDP(t, testClientIP, testHostIP+":"+hostPort(3)); seen != external {
		t.Errorf("UDP from %s: container saw %s, want %s", testClientIP, seen, external)
	}

	// Another process finds the network and its ports through the run directory.
	again, err := Attach(runDir)
	if err != nil || PortsColumn(again.Ports(), nil) != PortsColumn(got, nil) {
		t.Fatalf("Attach: %v, %v", again, err)
	}
	recs := helpersOf(t, runDir)

	// A port that is taken fails Setup, naming it, and leaves nothing running.
	taken := got[0]
	runDir2 := t.TempDir()
	ctr2 := startContainer(t)
	_, err = Setup(ctx, Config{Mode: mode, NetNSPath: fmt.Sprintf("/proc/%d/ns/net", ctr2.Process.Pid), PID: ctr2.Process.Pid,
		Ports: []PortMapping{{HostIP: "127.0.0.1", HostPort: taken.HostPort, ContainerPort: 80, Protocol: "tcp"}}, RunDir: runDir2})
	want := fmt.Sprintf("publish 127.0.0.1:%d/tcp: address already in use", taken.HostPort)
	if err == nil || err.Error() != want || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Setup on a taken port: %v, want %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(runDir2, netSubdir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed Setup left %s: %v", filepath.Join(runDir2, netSubdir), err)
	}

	// Teardown from "another process" stops every helper; a second one is fine.
	if err := Teardown(runDir); err != nil {
		t.Fatal(err)
	}
	waitGone(t, recs, "after Teardown")
	if err := Teardown(runDir); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
	if _, err := net.Dial("tcp", "127.0.0.1:"+hostPort(0)); err == nil {
		t.Error("the published port still answers after Teardown")
	}

	// Without Teardown, the helpers go when the container's init goes.
	n3, err := Setup(ctx, Config{Mode: mode, NetNSPath: fmt.Sprintf("/proc/%d/ns/net", ctr2.Process.Pid), PID: ctr2.Process.Pid,
		Ports: []PortMapping{{HostIP: "127.0.0.1", ContainerPort: 80, Protocol: "tcp"}}, RunDir: runDir2})
	if err != nil {
		t.Fatal(err)
	}
	recs = helpersOf(t, runDir2)
	ctr2.Process.Kill()
	ctr2.Wait()
	waitGone(t, recs, "after the container exited")
	if err := n3.Close(); err != nil {
		t.Errorf("Close after the container exited: %v", err)
	}
}

func TestProbeNetNS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: run as root, or rootless inside `skiff unshare`")
	}
	err := ProbeNetNS()
	if err != nil {
		var ne *NetNSError
		if !errors.As(err, &ne) || !errors.Is(err, ErrNoNetNS) || !strings.Contains(err.Error(), "--network host") {
			t.Fatalf("ProbeNetNS: %v", err)
		}
		t.Skipf("this host cannot create network namespaces: %v", err)
	}
}

func TestNetNSErrorMessage(t *testing.T) {
	e := &NetNSError{Err: unix.EPERM}
	if got := e.Error(); got != "cannot create a network namespace: operation not permitted (use --network host to run without one)" {
		t.Errorf("message: %q", got)
	}
	if !errors.Is(e, ErrNoNetNS) || !errors.Is(e, unix.EPERM) {
		t.Error("NetNSError does not wrap ErrNoNetNS and its cause")
	}
}
