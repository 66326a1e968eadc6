package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The acceptance scenarios of issue 8 (user-defined networks), run as an unprivileged user.

const busybox = Registry + "/busybox"

// bridgeHelpers returns this user's live processes of the shared network namespace (pid → command
// line): the skiff-netbridge helper and the slirp4netns attached to .../netbridge/netns. Zombies do not
// count.
func bridgeHelpers() map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		dir := "/proc/" + e.Name()
		var st syscall.Stat_t
		if syscall.Stat(dir, &st) != nil || int(st.Uid) != os.Getuid() {
			continue
		}
		b, err := os.ReadFile(dir + "/cmdline")
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		cmd := strings.Join(args, " ")
		name := filepath.Base(args[0])
		if name == "skiff-netbridge" || (name == "slirp4netns" && strings.Contains(cmd, "/netbridge/netns")) {
			pid, _ := strconv.Atoi(e.Name())
			out[pid] = cmd
		}
	}
	return out
}

func waitNoBridgeHelpers(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h := bridgeHelpers()
		if len(h) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("network helpers still running: %v", h)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func createNetwork(t *testing.T, args ...string) string {
	t.Helper()
	name := Name(t)
	Must(t, append(append([]string{"network", "create"}, args...), name)...)
	t.Cleanup(func() { Run(t, "network", "rm", "-f", name) })
	return name
}

func TestNetworksVerbs(t *testing.T) {
	name := createNetwork(t, "--label", "suite=e2e", "--subnet", "10.123.7.0/24", "--gateway", "10.123.7.254", "--internal")
	if out := Must(t, "network", "ls"); !Matches(`^NETWORK ID\s+NAME\s+DRIVER$`, out) || !Matches(`^[0-9a-f]{12}\s+`+Quote(name)+`\s+bridge$`, out) {
		t.Fatalf("network ls:\n%s", out)
	}
	if out := Must(t, "network", "ls", "-q", "--filter", "name="+name, "--filter", "label=suite=e2e"); out != name {
		t.Fatalf("ls -q --filter: %q", out)
	}
	if out := Must(t, "network", "ls", "--format", "{{.Name}} {{.Driver}}", "--filter", "name=^"+name+"$"); out != name+" bridge" {
		t.Fatalf("ls --format: %q", out)
	}
	var d []struct {
		Name, ID, Driver string
		Interface        string `json:"network_interface"`
		Subnets          []struct{ Subnet, Gateway string }
		Internal         bool
		DNS              bool `json:"dns_enabled"`
		Labels           map[string]string
		Containers       map[string]any
	}
	if err := json.Unmarshal([]byte(Must(t, "network", "inspect", name)), &d); err != nil || len(d) != 1 {
		t.Fatalf("inspect: %v %v", err, d)
	}
	n := d[0]
	if n.Name != name || len(n.ID) != 64 || n.Driver != "bridge" || !strings.HasPrefix(n.Interface, "skiffbr") || !n.Internal || !n.DNS ||
		len(n.Subnets) != 1 || n.Subnets[0].Subnet != "10.123.7.0/24" || n.Subnets[0].Gateway != "10.123.7.254" || n.Labels["suite"] != "e2e" || n.Containers == nil {
		t.Fatalf("inspect: %+v", n)
	}
	Must(t, "network", "exists", name)
	Expect(t, 1, nil, "network", "exists", name+"-nope")
	Expect(t, 125, []string{"already used"}, "network", "create", name)
	if out := Must(t, "network", "create", "--ignore", name); out != name {
		t.Fatalf("create --ignore: %q", out)
	}
	Expect(t, 125, []string{"already used by another network"}, "network", "create", "--subnet", "10.123.7.0/25", name+"-b")
	// Automatic subnets do not overlap.
	a, b := createNetwork(t), createNetwork(t)
	sa := Must(t, "network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}", a)
	sb := Must(t, "network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}", b)
	if sa == sb || !strings.HasPrefix(sa, "10.89.") || !strings.HasSuffix(sa, ".0/24") {
		t.Fatalf("subnets %s and %s", sa, sb)
	}
	Expect(t, 1, []string{"network not found"}, "network", "rm", name+"-nope")
	if out := Must(t, "network", "rm", a); out != a {
		t.Fatalf("rm: %q", out)
	}
	if out := Must(t, "network", "prune", "-f", "--filter", "name=^"+b+"$"); out != b {
		t.Fatalf("prune: %q", out)
	}
}

func TestNetworksAcceptance(t *testing.T) {
	app := createNetwork(t)
	other := createNetwork(t)
	db := Name(t) + "-db"
	t.Cleanup(func() { Run(t, "rm", "-f", db) })
	Must(t, "run", "-d", "--network", app, "--name", db, "--network-alias", "database", "-p", "18090:80",
		busybox, "httpd", "-f", "-p", "80", "-h", "/etc")

	// By name and by alias, on the same network.
	out := Must(t, "run", "--rm", "--network", app, "--cap-add", "NET_RAW", busybox, "ping", "-c1", "-W5", db)
	if !strings.Contains(out, "1 packets received") {
		t.Fatalf("ping %s:\n%s", db, out)
	}
	out = Must(t, "run", "--rm", "--network", app, busybox, "nslookup", db)
	if !Matches(`Address: 10\.\d+\.\d+\.\d+`, out) {
		t.Fatalf("nslookup %s:\n%s", db, out)
	}
	if out := Must(t, "run", "--rm", "--network", app, busybox, "wget", "-qO-", "http://database/hostname"); out == "" {
		t.Fatal("wget http://database/hostname: empty")
	}

	// Another network reaches neither the name nor the address.
	ip := Must(t, "inspect", "--format", "{{.NetworkSettings.IPAddress}}", db)
	if r := Run(t, "run", "--rm", "--network", other, busybox, "nslookup", db); r.Code == 0 {
		t.Fatalf("nslookup from another network succeeded:\n%s", r)
	}
	if r := Run(t, "run", "--rm", "--network", other, "--cap-add", "NET_RAW", busybox, "ping", "-c1", "-W2", ip); r.Code == 0 {
		t.Fatalf("ping %s from another network succeeded:\n%s", ip, r)
	}

	// The published port, from the host.
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://127.0.0.1:18090/hostname")
	if err != nil {
		t.Fatalf("GET 127.0.0.1:18090: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("GET 127.0.0.1:18090: %s %q", resp.Status, body)
	}

	// rm refuses while db runs, naming it.
	Expect(t, 2, []string{db, "associated containers"}, "network", "rm", app)
	Must(t, "rm", "-f", db)
	if out := Must(t, "network", "rm", app); out != app {
		t.Fatalf("network rm: %q", out)
	}
	waitNoBridgeHelpers(t)
}
