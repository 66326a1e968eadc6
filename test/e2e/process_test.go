package e2e

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15, namespaces and the process environment: each flag changes what the container sees.

func TestNamespaceFlags(t *testing.T) {
	own, err := os.Readlink("/proc/self/ns/ipc")
	if err != nil {
		t.Fatal(err)
	}
	if got := Must(t, "run", "--rm", "--ipc", "host", Busybox, "readlink", "/proc/self/ns/ipc"); got != own {
		t.Fatalf("--ipc host: namespace %s, want the host's %s", got, own)
	}
	if got := Must(t, "run", "--rm", Busybox, "readlink", "/proc/self/ns/ipc"); got == own {
		t.Fatalf("default --ipc: the container shares the host's IPC namespace %s", got)
	}
	// The host's /dev/mqueue (setup-host.sh mounts it, as systemd does) is bound in: a queue made on
	// the host side is visible.
	q := "/dev/mqueue/" + Name(t)
	f, err := os.OpenFile(q, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o600)
	if err != nil {
		t.Fatalf("create a message queue on the host: %v", err)
	}
	f.Close()
	t.Cleanup(func() { os.Remove(q) })
	Must(t, "run", "--rm", "--ipc", "host", Busybox, "test", "-e", q)
	Expect(t, 1, nil, "run", "--rm", Busybox, "test", "-e", q)
	Expect(t, 1, nil, "run", "--rm", "--ipc", "none", Busybox, "test", "-d", "/dev/shm")

	// --ipc/--pid/--uts container:NAME join a running container's namespaces.
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--ipc", "shareable", Busybox, "sleep", "300")
	want := Must(t, "exec", name, "sh", "-c", "readlink /proc/self/ns/ipc /proc/self/ns/pid /proc/self/ns/uts | tr '\\n' ' '")
	got := Must(t, "run", "--rm", "--ipc", "container:"+name, "--pid", "container:"+name, "--uts", "container:"+name, Busybox,
		"sh", "-c", "readlink /proc/self/ns/ipc /proc/self/ns/pid /proc/self/ns/uts | tr '\\n' ' '")
	if got != want {
		t.Fatalf("container:%s namespaces: %q, want %q", name, got, want)
	}

	// --pid host sees the host's processes (this test's own among them).
	if out := Must(t, "run", "--rm", "--pid", "host", Busybox, "cat", "/proc/"+strconv.Itoa(os.Getpid())+"/cmdline"); !strings.Contains(out, "test") {
		t.Fatalf("--pid host: the test process %d is not visible: %q", os.Getpid(), out)
	}
	Expect(t, 1, nil, "run", "--rm", Busybox, "test", "-e", "/proc/"+strconv.Itoa(os.Getpid()))
	// --uts host: the host's name.
	host, _ := os.Hostname()
	if got := Must(t, "run", "--rm", "--uts", "host", Busybox, "hostname"); got != host {
		t.Fatalf("--uts host: hostname %q, want %q", got, host)
	}
	Expect(t, 125, []string{"--ipc", "want"}, "run", "--rm", "--ipc", "bogus", Busybox, "true")
	Expect(t, 125, []string{"no such container"}, "run", "--rm", "--pid", "container:no-such-"+name, Busybox, "true")
}

func TestProcessFlags(t *testing.T) {
	if out := Must(t, "run", "--rm", "--shm-size", "128m", Busybox, "df", "-m", "/dev/shm"); !Matches(`shm\s+128\s`, out) {
		t.Fatalf("--shm-size 128m: df says\n%s", out)
	}
	if got := Must(t, "run", "--rm", "--tz", "Asia/Tokyo", Busybox, "date", "+%z"); got != "+0900" {
		t.Fatalf("--tz Asia/Tokyo: zone offset %q", got)
	}
	Expect(t, 125, []string{"--tz", "no such time zone"}, "run", "--rm", "--tz", "Nowhere/Land", Busybox, "true")
	out := Must(t, "run", "--rm", "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=4096", Busybox,
		"cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/msgmax")
	if strings.Fields(out)[0] != "1" || strings.Fields(out)[1] != "4096" {
		t.Fatalf("--sysctl: %q", out)
	}
	Expect(t, 125, []string{"kernel.msgmax", "shares the IPC namespace"}, "run", "--rm", "--ipc", "host", "--sysctl", "kernel.msgmax=4096", Busybox, "true")
	Expect(t, 125, []string{"vm.swappiness", "not allowed"}, "run", "--rm", "--sysctl", "vm.swappiness=1", Busybox, "true")
	if got := Must(t, "run", "--rm", "--oom-score-adj", "100", Busybox, "cat", "/proc/self/oom_score_adj"); got != "100" {
		t.Fatalf("--oom-score-adj 100: %q", got)
	}

	name := Name(t)
	rmContainer(t, name)
	env := Must(t, "run", "--name", name, Busybox, "cat", "/run/.containerenv")
	id := Must(t, "inspect", "--format", "{{.ID}}", name)
	for _, kv := range []string{`engine="skiff"`, `name="` + name + `"`, `id="` + id + `"`, `image="` + Busybox + `"`, "rootless=1"} {
		if !strings.Contains(env, kv) {
			t.Fatalf("/run/.containerenv lacks %s:\n%s", kv, env)
		}
	}

	if got := Must(t, "run", "--rm", "--unsetenv", "container", "--unsetenv", "HOSTNAME", "-e", "FOO=1", Busybox, "env"); strings.Contains(got, "container=") ||
		strings.Contains(got, "HOSTNAME=") || !strings.Contains(got, "FOO=1") {
		t.Fatalf("--unsetenv container --unsetenv HOSTNAME:\n%s", got)
	}
	proxy := []string{"http_proxy=http://proxy.example:3128", "FOOHOST=bar"}
	if r := RunIn(t, proxy, "", "run", "--rm", Busybox, "sh", "-c", "echo ${http_proxy-unset} ${FOOHOST-unset}"); strings.TrimSpace(r.Stdout) != "http://proxy.example:3128 unset" {
		t.Fatalf("proxy variables pass by default, others not:\n%s", r)
	}
	if r := RunIn(t, proxy, "", "run", "--rm", "--http-proxy=false", "--env-host", Busybox, "sh", "-c", "echo ${FOOHOST-unset}"); strings.TrimSpace(r.Stdout) != "bar" {
		t.Fatalf("--env-host:\n%s", r)
	}
	if r := RunIn(t, proxy, "", "run", "--rm", "--http-proxy=false", Busybox, "sh", "-c", "echo ${http_proxy-unset}"); strings.TrimSpace(r.Stdout) != "unset" {
		t.Fatalf("--http-proxy=false:\n%s", r)
	}

	name2 := Name(t) + "-ann"
	rmContainer(t, name2)
	Must(t, "create", "--name", name2, "--annotation", "org.example.key=value", Busybox, "true")
	if got := Must(t, "inspect", "--format", `{{index .Config.Annotations "org.example.key"}}`, name2); got != "value" {
		t.Fatalf("--annotation: %q", got)
	}

	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if got := Must(t, "run", "--rm", "--hostuser", u.Username, Busybox, "grep", "^"+u.Username+":", "/etc/passwd"); !strings.Contains(got, ":"+u.Uid+":") {
		t.Fatalf("--hostuser %s: %q", u.Username, got)
	}

	Expect(t, 125, []string{"--platform linux/arm64", "linux/amd64"}, "run", "--rm", "--platform", "linux/arm64", Busybox, "true")
	Must(t, "run", "--rm", "--platform", "linux/amd64", Busybox, "true")
}

func TestPidFilesAndRequires(t *testing.T) {
	dir := t.TempDir()
	dep, name := Name(t)+"-dep", Name(t)
	rmContainer(t, name)
	rmContainer(t, dep)
	Must(t, "create", "--name", dep, Busybox, "sleep", "300")
	pidfile, monfile := filepath.Join(dir, "pid"), filepath.Join(dir, "conmon.pid")
	Must(t, "run", "-d", "--name", name, "--requires", dep, "--pidfile", pidfile, "--conmon-pidfile", monfile, Busybox, "sleep", "300")
	if got := Must(t, "inspect", "--format", "{{.State.Status}}", dep); got != "running" {
		t.Fatalf("--requires %s: the required container is %s", dep, got)
	}
	want := Must(t, "inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", name)
	a, _ := os.ReadFile(pidfile)
	b, _ := os.ReadFile(monfile)
	if got := string(a) + " " + string(b); got != want {
		t.Fatalf("--pidfile and --conmon-pidfile hold %q, want %q", got, want)
	}
	Expect(t, 125, []string{"--requires"}, "run", "--rm", "--requires", "no-such-"+dep, Busybox, "true")
}

func TestRunTimeoutRmiAttach(t *testing.T) {
	start := time.Now()
	Expect(t, 137, nil, "run", "--rm", "--timeout", "2", Busybox, "sleep", "60")
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("--timeout 2 ended the container after %v", d)
	}

	tag := Registry + "/" + strings.TrimPrefix(Name(t), "t-") + ":rmi"
	Must(t, "tag", Busybox, tag)
	t.Cleanup(func() { Run(t, "rmi", "--ignore", tag) })
	name := Name(t)
	Must(t, "run", "--name", name, "--rmi", tag, "true")
	if r := Run(t, "container", "exists", name); r.Code == 0 {
		t.Fatalf("--rmi implies --rm: container %s is still there", name)
	}
	if r := Run(t, "image", "exists", tag); r.Code == 0 {
		t.Fatalf("--rmi: image %s is still there", tag)
	}
	Must(t, "image", "exists", Busybox) // its other name stays

	r := Run(t, "run", "--rm", "-a", "stderr", Busybox, "sh", "-c", "echo out; echo err >&2")
	if r.Code != 0 || r.Stdout != "" || strings.TrimSpace(r.Stderr) != "err" {
		t.Fatalf("-a stderr: want only stderr\n%s", r)
	}
	r = Run(t, "run", "--rm", "--attach", "stdout", Busybox, "sh", "-c", "echo out; echo err >&2")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "out" || strings.Contains(r.Stderr, "err") {
		t.Fatalf("--attach stdout: want only stdout\n%s", r)
	}
	if r := RunIn(t, nil, "from stdin\n", "run", "--rm", "-a", "stdin", "-a", "stdout", Busybox, "cat"); strings.TrimSpace(r.Stdout) != "from stdin" {
		t.Fatalf("-a stdin -a stdout: stdin not attached\n%s", r)
	}
	Expect(t, 125, []string{"--attach and --detach"}, "run", "-d", "-a", "stdout", Busybox, "true")

	// --userns host: the container is in the user's own namespace (the default), not one of its own.
	if got, want := Must(t, "run", "--rm", "--userns", "host", Busybox, "cat", "/proc/self/uid_map"), Must(t, "unshare", "cat", "/proc/self/uid_map"); got != want {
		t.Fatalf("--userns host: uid_map %q, want the user's namespace's %q", got, want)
	}
}

func TestRunPreserveFDs(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("through fd 3\n"); err != nil {
		t.Fatal(err)
	}
	f.Seek(0, 0)
	for _, extra := range [][]string{nil, {"-p", "127.0.0.1::80"}} { // run --detach, and create then start
		args := append(append([]string{"run", "--rm", "--preserve-fds", "1"}, extra...), Busybox, "sh", "-c", "cat <&3")
		cmd := exec.Command(Binary, args...)
		cmd.ExtraFiles = []*os.File{f}
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != "through fd 3\n" {
			t.Fatalf("skiff %v: %v\n%s", args, err, out)
		}
		f.Seek(0, 0)
	}
	// Without the flag the container gets no descriptor 3.
	cmd := exec.Command(Binary, "run", "--rm", Busybox, "test", "-e", "/proc/self/fd/3")
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Run(); err == nil {
		t.Fatal("a container run without --preserve-fds has descriptor 3")
	}
	Expect(t, 125, []string{"--preserve-fds 40", "is not open"}, "run", "--rm", "--preserve-fds", "40", Busybox, "true")
}
