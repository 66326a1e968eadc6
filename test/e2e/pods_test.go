package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The acceptance scenarios of issue 6 (pods), run as an unprivileged user. Pods and containers are
// named after the test; the pod tests publish host ports 18081 (the issue's) and 1838x.

// rmPod removes a pod and its containers at the end of the test, whatever state it is in.
func rmPod(t *testing.T, name string) {
	t.Cleanup(func() { Run(t, "pod", "rm", "-f", "--ignore", name) })
}

// podHTTPServer serves "hello-pod" on port 80 from /www (busybox httpd).
const podHTTPServer = `mkdir -p /www && echo hello-pod > /www/index.html && exec httpd -f -p 80 -h /www`

// podGet fetches url, retrying for a few seconds while the server starts.
func podGet(t *testing.T, url string) string {
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
		if err == nil && resp.StatusCode == http.StatusOK {
			return string(b)
		}
		lastErr = fmt.Errorf("status %s, %w", resp.Status, err)
	}
	t.Fatalf("GET %s: %v", url, lastErr)
	return ""
}

// waitPortFree waits until nothing listens on the TCP port of the host (another test run on this
// machine may still hold it).
func waitPortFree(t *testing.T, port int) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err == nil {
			l.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %d stays taken: %v", port, err)
		}
	}
}

// alive reports whether pid is a live process (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && len(b) > 0
}

// helpersOf returns the live network helpers (slirp4netns, pasta, skiff-netkeeper) of this user that
// belong to one of the containers ids (their run directory is their working directory or on their
// command line) or to one of the processes pids (their /proc/PID/ns/net is on the command line).
func helpersOf(ids []string, pids []int) []string {
	var out []string
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
		switch filepath.Base(args[0]) {
		case "slirp4netns", "pasta", "pasta.avx2", "skiff-netkeeper":
		default:
			continue
		}
		cwd, _ := os.Readlink(dir + "/cwd")
		cmdline := strings.Join(args, " ")
		for _, id := range ids {
			if strings.Contains(cwd, id) || strings.Contains(cmdline, id) {
				out = append(out, e.Name()+": "+cmdline)
			}
		}
		for _, pid := range pids {
			if strings.Contains(cmdline, fmt.Sprintf("/proc/%d/", pid)) {
				out = append(out, e.Name()+": "+cmdline)
			}
		}
	}
	return out
}

// nsInode returns the namespace link of process pid, "net:[4026532196]".
func nsInode(t *testing.T, pid int, ns string) string {
	t.Helper()
	s, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
	if err != nil {
		t.Fatalf("namespace %s of process %d: %v", ns, pid, err)
	}
	return s
}

func inspectPid(t *testing.T, ctr string) int {
	t.Helper()
	pid, err := strconv.Atoi(Must(t, "inspect", "--format", "{{.State.Pid}}", ctr))
	if err != nil || pid <= 0 {
		t.Fatalf("PID of %s: %d, %v", ctr, pid, err)
	}
	return pid
}

// states returns the status of each container, by name.
func states(t *testing.T, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		out[n] = Must(t, "inspect", "--format", "{{.State.Status}}", n)
	}
	return out
}

func wantStates(t *testing.T, what, want string, names ...string) {
	t.Helper()
	for n, s := range states(t, names...) {
		if s != want {
			t.Errorf("%s: container %s is %s, want %s", what, n, s, want)
		}
	}
}

// TestPodAcceptance is issue 6's scenario: a pod publishes a port; member A serves HTTP on :80, member B
// fetches it over the pod's localhost and the host through the published port; the members share the
// hostname and the net and IPC namespaces; a member's own -p is refused; pod stop and pod start act on
// every member; pod rm -f leaves nothing behind.
func TestPodAcceptance(t *testing.T) {
	pod := Name(t)
	a, b := pod+"-a", pod+"-b"
	rmPod(t, pod)
	waitPortFree(t, 18081)
	podID := Must(t, "pod", "create", "--name", pod, "-p", "18081:80")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(podID) {
		t.Fatalf("pod create printed %q, want a 64-hex ID", podID)
	}
	infraID := Must(t, "pod", "inspect", "--format", "{{.InfraContainerID}}", pod)
	if want := podID[:12] + "-infra"; Must(t, "inspect", "--format", "{{.Name}}", infraID) != want {
		t.Errorf("infra container is not named %s", want)
	}
	if got := Must(t, "pod", "inspect", "--format", "{{.State}}", pod); got != "Created" {
		t.Errorf("new pod: state %q, want Created", got)
	}

	// Member A serves; member B and the host fetch.
	Must(t, "run", "-d", "--pod", pod, "--name", a, Busybox, "sh", "-c", podHTTPServer)
	if got := Must(t, "inspect", "--format", "{{.State.Status}}", infraID); got != "running" {
		t.Fatalf("starting a member did not start the infra container: it is %s", got)
	}
	var fetched string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		r := Run(t, "run", "--rm", "--pod", pod, "--name", b, Busybox, "wget", "-qO-", "http://localhost:80/")
		if fetched = r.Stdout; r.Code == 0 || time.Now().After(deadline) {
			if r.Code != 0 {
				t.Fatalf("member B cannot fetch http://localhost:80/:\n%s", r)
			}
			break
		}
	}
	if strings.TrimSpace(fetched) != "hello-pod" {
		t.Errorf("member B fetched %q, want hello-pod", fetched)
	}
	if got := podGet(t, "http://127.0.0.1:18081/"); strings.TrimSpace(got) != "hello-pod" {
		t.Errorf("the host fetched %q through the pod's port, want hello-pod", got)
	}

	// Same hostname and the same net and IPC namespaces, as the members see them and as the kernel does.
	probe := `hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/ipc`
	inA := Must(t, "exec", a, "sh", "-c", probe)
	inB := Must(t, "run", "--rm", "--pod", pod, Busybox, "sh", "-c", probe)
	if inA != inB {
		t.Errorf("members see different hostnames or namespaces:\nA: %s\nB: %s", inA, inB)
	}
	if lines := strings.Split(inA, "\n"); len(lines) != 3 || lines[0] != pod {
		t.Errorf("member A: %q, want the pod's name as hostname and two namespaces", inA)
	}
	infraPid, aPid := inspectPid(t, infraID), inspectPid(t, a)
	for _, ns := range []string{"net", "ipc", "uts"} {
		if i, m := nsInode(t, infraPid, ns), nsInode(t, aPid, ns); i != m {
			t.Errorf("%s namespace: infra %s, member A %s", ns, i, m)
		}
	}
	if nsInode(t, infraPid, "pid") == nsInode(t, aPid, "pid") {
		t.Errorf("the PID namespace is shared by default (want ipc,net,uts only)")
	}

	// A member's own -p is refused, in Podman's words, and leaves no container.
	r := Expect(t, 125, []string{"published or exposed ports must be defined when the pod is created",
		"network cannot be configured when it is shared with a pod"},
		"run", "--rm", "--pod", pod, "--name", pod+"-c", "-p", "18389:80", Busybox, "true")
	if strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("the refusal is not one line:\n%s", r.Stderr)
	}
	Expect(t, 1, nil, "container", "exists", pod+"-c")

	// pod stop stops every member, then the infra container; pod start brings them back.
	Must(t, "create", "--pod", pod, "--name", b, Busybox, "sleep", "1000")
	Must(t, "start", b)
	out := Must(t, "pod", "stop", "-t", "1", pod)
	if out != podID {
		t.Errorf("pod stop printed %q, want the pod's ID", out)
	}
	wantStates(t, "after pod stop", "exited", a, b, infraID)
	if got := Must(t, "pod", "inspect", "--format", "{{.State}}", pod); got != "Exited" {
		t.Errorf("stopped pod: state %q, want Exited", got)
	}
	if left := helpersOf([]string{infraID}, []int{infraPid}); len(left) > 0 {
		t.Errorf("network helpers left after pod stop: %v", left)
	}
	Must(t, "pod", "start", pod)
	wantStates(t, "after pod start", "running", a, b, infraID)
	if got := Must(t, "pod", "inspect", "--format", "{{.State}}", pod); got != "Running" {
		t.Errorf("restarted pod: state %q, want Running", got)
	}
	if got := podGet(t, "http://127.0.0.1:18081/"); strings.TrimSpace(got) != "hello-pod" {
		t.Errorf("after pod start the host fetched %q, want hello-pod", got)
	}

	// pod rm -f leaves no container, process, mount, network helper or record.
	ids := []string{infraID, Must(t, "inspect", "--format", "{{.Id}}", a), Must(t, "inspect", "--format", "{{.Id}}", b)}
	var pids []int
	var layers []string
	for _, id := range ids {
		pids = append(pids, inspectPid(t, id))
		merged := Must(t, "inspect", "--format", "{{.GraphDriver.Data.MergedDir}}", id)
		layers = append(layers, filepath.Base(filepath.Dir(merged)))
	}
	graphRoot := Must(t, "info", "--format", "{{.Store.GraphRoot}}")
	record := filepath.Join(graphRoot, "pods", podID+".json")
	if _, err := os.Stat(record); err != nil {
		t.Errorf("pod record %s: %v", record, err)
	}
	if out := Must(t, "pod", "rm", "-f", pod); out != podID {
		t.Errorf("pod rm printed %q, want the pod's ID", out)
	}
	for _, id := range ids {
		Expect(t, 1, nil, "container", "exists", id)
	}
	Expect(t, 1, nil, "pod", "exists", pod)
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("pod record %s still there: %v", record, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var left []string
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, fmt.Sprintf("container process %d", pid))
			}
		}
		for _, id := range ids {
			for _, pid := range processesOf(id) {
				left = append(left, fmt.Sprintf("process %d of %s", pid, id[:12]))
			}
		}
		left = append(left, helpersOf(ids, pids)...)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("left running after pod rm -f: %v", left)
			break
		}
	}
	mounts := Must(t, "unshare", "cat", "/proc/self/mountinfo")
	for _, s := range append(ids, layers...) {
		if strings.Contains(mounts, s) {
			t.Errorf("a mount of %s is left after pod rm -f", s[:12])
		}
	}
	if _, err := net.DialTimeout("tcp", "127.0.0.1:18081", time.Second); err == nil {
		t.Errorf("port 18081 still accepts connections after pod rm -f")
	}
}

// TestPodMemberNetworkRefused: a member's network flags are the pod's; each is refused in one line with
// exit 125, and nothing is created.
func TestPodMemberNetworkRefused(t *testing.T) {
	pod := Name(t)
	rmPod(t, pod)
	Must(t, "pod", "create", "--name", pod)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-p", "18388:80"}, "published or exposed ports must be defined when the pod is created"},
		{[]string{"-P"}, "published or exposed ports must be defined when the pod is created"},
		{[]string{"--network", "host"}, "networks must be defined when the pod is created"},
		{[]string{"--add-host", "x:1.2.3.4"}, "extra host entries must be specified on the pod"},
		{[]string{"--hostname", "h"}, "cannot set hostname when joining the pod UTS namespace"},
	} {
		name := pod + "-x"
		args := append(append([]string{"create", "--pod", pod, "--name", name}, tc.flags...), Busybox, "true")
		r := Expect(t, 125, []string{"Error: invalid config provided: " + tc.want}, args...)
		if strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("%v: not one line:\n%s", tc.flags, r.Stderr)
		}
		Expect(t, 1, nil, "container", "exists", name)
	}
	if got := Must(t, "pod", "inspect", "--format", "{{.NumContainers}}", pod); got != "1" {
		t.Errorf("pod has %s containers after the refusals, want 1 (the infra container)", got)
	}
}

// TestPodShareAndNames: --share +pid adds the PID namespace; --hostname, --add-host and --dns are the
// pod's; --infra-name names the infra container; --share "" makes a pod without one.
func TestPodShareAndNames(t *testing.T) {
	pod := Name(t)
	rmPod(t, pod)
	Must(t, "pod", "create", "--name", pod, "--share", "+pid", "--hostname", "podhost", "--add-host", "db.example:10.1.2.3",
		"--dns", "10.9.9.9", "--infra-name", pod+"-inf", "--label", "tier=web")
	if got := Must(t, "pod", "inspect", "--format", "{{.SharedNamespaces}} {{.Hostname}} {{.Labels.tier}} {{.InfraConfig.DNSServer}}", pod); got != "[ipc net pid uts] podhost web [10.9.9.9]" {
		t.Errorf("pod inspect: %q", got)
	}
	if got := Must(t, "inspect", "--format", "{{.Path}} {{.Args}} {{.IsInfra}}", pod+"-inf"); got != "/catatonit [-P] true" {
		t.Errorf("infra container: %q, want /catatonit -P", got)
	}
	out := Must(t, "run", "--rm", "--pod", pod, Busybox, "sh", "-c", "hostname; cat /etc/hosts /etc/resolv.conf; ps -o pid,args")
	for _, want := range []string{"podhost", "db.example", "10.1.2.3", "nameserver 10.9.9.9", "/catatonit -P"} {
		if !strings.Contains(out, want) {
			t.Errorf("member does not see %q (shared PID namespace shows the infra's catatonit):\n%s", want, out)
		}
	}
	if got := Must(t, "run", "--rm", "--pod", pod, Busybox, "cat", "/proc/1/cmdline"); !strings.HasPrefix(got, "/catatonit") {
		t.Errorf("PID 1 of a member of a pid-sharing pod is %q, want the infra's catatonit", got)
	}

	// No infra container: the members are only grouped.
	bare := pod + "-bare"
	rmPod(t, bare)
	Must(t, "pod", "create", "--share", "", bare)
	if got := Must(t, "pod", "inspect", "--format", "{{.CreateInfra}} {{.InfraContainerID}}|{{.NumContainers}}", bare); got != "false |0" {
		t.Errorf("pod without infra: %q", got)
	}
	Must(t, "run", "--rm", "--pod", bare, "-p", "18387:80", Busybox, "true") // its own network: -p is fine
	Expect(t, 125, []string{"you must have an infra container to publish port bindings to the host"},
		"pod", "create", "--infra=false", "-p", "18386:80", pod+"-bad")
	Expect(t, 125, []string{"cannot set share(ipc) namespaces without an infra container"},
		"pod", "create", "--infra=false", "--share", "ipc", pod+"-bad")
	Expect(t, 125, []string{"cgroup"}, "pod", "create", "--share", "cgroup", pod+"-bad")
	Expect(t, 125, []string{`name "` + pod + `" is in use`, "pod already exists"}, "pod", "create", "--name", pod)
	Expect(t, 1, nil, "pod", "exists", pod+"-bad")
}

// TestPodLifecycle: the rules of pod membership and the pod verbs.
func TestPodLifecycle(t *testing.T) {
	pod := Name(t)
	rmPod(t, pod)
	podID := Must(t, "pod", "create", pod)
	infraID := Must(t, "pod", "inspect", "--format", "{{.InfraContainerID}}", pod)
	m1, m2 := pod+"-m1", pod+"-m2"
	Must(t, "create", "--pod", pod, "--name", m1, "--stop-timeout", "1", Busybox, "sh", "-c", "echo one; sleep 1000")
	Must(t, "create", "--pod", pod, "--name", m2, "--stop-timeout", "1", Busybox, "sh", "-c", "echo two >&2; sleep 1000")
	if got := Must(t, "inspect", "--format", "{{.Pod}} {{.HostConfig.IpcMode}} {{.Dependencies}}", m1); got != podID+" container:"+infraID+" ["+infraID+"]" {
		t.Errorf("member inspect: %q", got)
	}

	// Starting a member starts the infra container first.
	Must(t, "start", m1)
	wantStates(t, "after start of a member", "running", infraID, m1)
	if got := Must(t, "pod", "inspect", "--format", "{{.State}}", pod); got != "Degraded" {
		t.Errorf("pod with a created member: %q, want Degraded", got)
	}
	Must(t, "pod", "start", pod)
	wantStates(t, "after pod start", "running", infraID, m1, m2)

	// The infra container goes only with its pod; pod rm refuses running containers without -f.
	Expect(t, 125, []string{"is the infra container of pod " + podID, "cannot be removed without removing the pod"}, "rm", "-f", infraID)
	Expect(t, 125, []string{"pod " + pod + " has running containers", "--force"}, "pod", "rm", pod)
	wantStates(t, "after a refused pod rm", "running", infraID, m1, m2)

	// ps: Podman's columns, filters, -q, --ctr-*.
	out := Must(t, "pod", "ps", "--filter", "name=^"+pod+"$")
	if lines := strings.Split(out, "\n"); len(lines) != 2 ||
		!regexp.MustCompile(`^POD ID +NAME +STATUS +CREATED +INFRA ID +# OF CONTAINERS$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^`+podID[:12]+` +`+pod+` +Running +.* ago +`+infraID[:12]+` +3$`).MatchString(lines[1]) {
		t.Errorf("pod ps:\n%s", out)
	}
	if got := Must(t, "pod", "ps", "-q", "--no-trunc", "--filter", "id="+podID[:10]); got != podID {
		t.Errorf("pod ps -q --no-trunc --filter id=: %q", got)
	}
	if got := Must(t, "pod", "ps", "-q", "--filter", "name=^"+pod+"$", "--filter", "status=exited"); got != "" {
		t.Errorf("filter status=exited matched a running pod: %q", got)
	}
	if got := Must(t, "pod", "ps", "--filter", "name=^"+pod+"$", "--format", "{{.Name}} {{.ContainerNames}} {{.ContainerStatuses}} {{.NumberOfContainers}}"); !strings.Contains(got, m1) ||
		!strings.Contains(got, "running,running,running") || !strings.HasSuffix(got, " 3") {
		t.Errorf("pod ps --format: %q", got)
	}
	if out := Must(t, "pod", "ps", "--ctr-names", "--ctr-status", "--filter", "name=^"+pod+"$"); !strings.Contains(out, "NAMES") ||
		!strings.Contains(out, m2) || strings.Contains(out, "# OF CONTAINERS") {
		t.Errorf("pod ps --ctr-names --ctr-status:\n%s", out)
	}
	if out := Must(t, "pod", "ps", "--format", "json", "--filter", "name=^"+pod+"$"); !strings.Contains(out, `"InfraId": "`+infraID+`"`) ||
		!strings.Contains(out, `"Status": "Running"`) {
		t.Errorf("pod ps --format json:\n%s", out)
	}

	// logs: each line after its container's short ID, or name with -n; top lists every container.
	logs := Run(t, "pod", "logs", pod)
	if !strings.Contains(logs.Stdout, Must(t, "inspect", "--format", "{{.Id}}", m1)[:12]+" one") ||
		!strings.Contains(logs.Stderr, Must(t, "inspect", "--format", "{{.Id}}", m2)[:12]+" two") {
		t.Errorf("pod logs:\n%s", logs)
	}
	if got := Must(t, "pod", "logs", "-n", "-c", m1, pod); got != m1+" one" {
		t.Errorf("pod logs -n -c: %q", got)
	}
	top := Must(t, "pod", "top", pod)
	if !strings.Contains(top, "/catatonit -P") || strings.Count(top, "sleep 1000") != 2 {
		t.Errorf("pod top:\n%s", top)
	}

	// kill, pause, restart.
	if r := Run(t, "pod", "pause", pod); r.Code == 0 {
		Must(t, "pod", "unpause", pod) // a host with cgroup v2 delegation
	} else if r.Code != 125 || !strings.Contains(r.Stderr, "cgroup") {
		t.Errorf("pod pause without a cgroup: want exit 125 naming the cgroup\n%s", r)
	}
	if out := Must(t, "pod", "kill", pod); out != podID {
		t.Errorf("pod kill printed %q", out)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if Must(t, "pod", "inspect", "--format", "{{.State}}", pod) == "Exited" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod kill: the pod is %s", Must(t, "pod", "inspect", "--format", "{{.State}}", pod))
		}
	}
	Must(t, "pod", "restart", pod)
	wantStates(t, "after pod restart", "running", infraID, m1, m2)
	Must(t, "pod", "stop", "-t", "0", pod)

	// Removing the members leaves the pod; prune removes it (it has exited).
	Must(t, "rm", m1, m2)
	if got := Must(t, "pod", "inspect", "--format", "{{.State}} {{.NumContainers}}", pod); got != "Exited 1" {
		t.Errorf("pod without members: %q, want Exited 1", got)
	}
	Must(t, "pod", "exists", pod)
	if !strings.Contains(Must(t, "pod", "prune", "-f"), podID) {
		t.Errorf("pod prune did not remove the exited pod")
	}
	Expect(t, 1, nil, "pod", "exists", pod)
	Expect(t, 1, nil, "container", "exists", infraID)
	Expect(t, 1, []string{"no pod with name or ID " + pod + " found: no such pod"}, "pod", "rm", pod)
	Must(t, "pod", "rm", "--ignore", pod)
}

// TestPodNew: run --pod new:NAME creates the pod with the container's network flags.
func TestPodNew(t *testing.T) {
	pod := Name(t)
	rmPod(t, pod)
	waitPortFree(t, 18385)
	Must(t, "run", "-d", "--pod", "new:"+pod, "-p", "18385:80", "--name", pod+"-web", Busybox, "sh", "-c", podHTTPServer)
	if got := Must(t, "pod", "inspect", "--format", "{{.State}} {{.NumContainers}}", pod); got != "Running 2" {
		t.Errorf("pod new: %q", got)
	}
	if got := podGet(t, "http://127.0.0.1:18385/"); strings.TrimSpace(got) != "hello-pod" {
		t.Errorf("the pod's port: %q", got)
	}
	// A container that cannot be created takes its new pod with it.
	Expect(t, 125, nil, "run", "--pod", "new:"+pod+"-2", "--name", pod+"-web", Busybox, "true")
	Expect(t, 1, nil, "pod", "exists", pod+"-2")
	Expect(t, 125, []string{"pod already exists"}, "run", "--rm", "--pod", "new:"+pod, Busybox, "true")
	Expect(t, 125, []string{"no pod with name or ID " + pod + "-nope found"}, "run", "--rm", "--pod", pod+"-nope", Busybox, "true")
}

// podman runs podman 4 as this user with its own storage and runtime directory, for comparisons.
type podman struct{ env, flags []string }

func newPodman(t *testing.T) *podman {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Fatal("podman is not installed (hack/setup-host.sh installs it): nothing to compare with")
	}
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	p := &podman{
		env:   []string{"XDG_RUNTIME_DIR=" + run},
		flags: []string{"--runtime", "runc", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot")},
	}
	t.Cleanup(func() {
		p.run(t, "pod", "rm", "-af")
		p.run(t, "rm", "-af")
		p.run(t, "unshare", "rm", "-rf", filepath.Join(dir, "root"), filepath.Join(dir, "runroot"))
		if b, err := os.ReadFile(filepath.Join(run, "libpod", "tmp", "pause.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return p
}

func (p *podman) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("podman", append(append([]string{}, p.flags...), args...)...)
	cmd.Env = append(os.Environ(), p.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (p *podman) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := p.run(t, args...)
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

var (
	hexID   = regexp.MustCompile(`\b[0-9a-f]{12}\b`)
	created = regexp.MustCompile(`(Less than a second|About a minute|\d+ seconds?|\d+ minutes?) ago`)
)

// normalizePs replaces IDs and ages in pod ps output, and the column padding they cause.
func normalizePs(s string) string {
	s = hexID.ReplaceAllString(s, "<ID>")
	s = created.ReplaceAllString(s, "<AGE>")
	return regexp.MustCompile(` {2,}`).ReplaceAllString(strings.TrimSpace(s), "  ")
}

// TestPodPodmanCompat: pod ps and pod inspect --format '{{.State}}' print what podman 4 prints for the
// same pod, through its life: created, running, degraded, stopped, running, exited.
func TestPodPodmanCompat(t *testing.T) {
	pm := newPodman(t)
	pm.must(t, "pull", "-q", "--tls-verify=false", Busybox)
	pod := Name(t)
	rmPod(t, pod)
	steps := []struct {
		what string
		args [][]string // the same arguments for both; "$POD" is the pod's name
	}{
		{"created", [][]string{{"pod", "create", "--name", "$POD"}}},
		{"running", [][]string{{"run", "-d", "--pod", "$POD", "--name", "$POD-a", Busybox, "sleep", "1000"}}},
		{"degraded", [][]string{{"create", "--pod", "$POD", "--name", "$POD-b", Busybox, "sleep", "1000"}}},
		{"stopped", [][]string{{"pod", "stop", "-t", "0", "$POD"}}},
		{"running again", [][]string{{"pod", "start", "$POD"}}},
		{"exited", [][]string{{"pod", "stop", "-t", "0", "$POD"}}},
	}
	subst := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = strings.ReplaceAll(a, "$POD", pod)
		}
		return out
	}
	for _, step := range steps {
		for _, args := range step.args {
			Must(t, subst(args)...)
			pm.must(t, subst(args)...)
		}
		for _, query := range [][]string{
			{"pod", "ps", "--filter", "name=^" + pod + "$"},
			{"pod", "inspect", "--format", "{{.State}}", pod},
			{"pod", "inspect", "--format", "{{.NumContainers}} {{.SharedNamespaces}}", pod},
		} {
			mine, theirs := normalizePs(Must(t, query...)), normalizePs(pm.must(t, query...))
			if query[1] == "inspect" && strings.Contains(query[3], "SharedNamespaces") {
				// Podman prints the shared namespaces in map order: compare them as sets.
				mine, theirs = sortedFields(mine), sortedFields(theirs)
			}
			if mine != theirs {
				t.Errorf("%s: skiff %s:\n%s\npodman:\n%s", step.what, strings.Join(query, " "), mine, theirs)
			}
		}
	}
}

func sortedFields(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '[' || r == ']' })
	slices.Sort(f)
	return strings.Join(f, " ")
}
