package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The Docker API (issue 14): the real docker CLI (28.x, /usr/bin/docker) against `skiff system service`.
// Each test starts its own service on a socket of its own, so that tests and the user's socket unit do
// not meet.

// dockerCLI is the docker client on these machines (docker, found in PATH); no Docker engine runs
// anywhere.
var dockerCLI = "docker"

// apiService is a running `skiff system service`.
type apiService struct {
	socket string
	env    []string // DOCKER_HOST and a client configuration of the test's own
	cmd    *exec.Cmd
	done   chan error
	log    *bytes.Buffer
}

// startService starts `skiff system service --time SECONDS unix://SOCKET` and waits for its socket; the
// test's end stops it.
func startService(t *testing.T, idle string) *apiService {
	t.Helper()
	path, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("the docker CLI is needed (the machine image has docker 28.x): %v", err)
	}
	dockerCLI = path
	dir := t.TempDir()
	s := &apiService{socket: filepath.Join(dir, "api.sock"), done: make(chan error, 1), log: &bytes.Buffer{}}
	s.env = []string{"DOCKER_HOST=unix://" + s.socket, "DOCKER_CONFIG=" + filepath.Join(dir, "docker-config")}
	s.cmd = exec.Command(Binary, "system", "service", "--time", idle, "unix://"+s.socket)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
			}
		}
		if t.Failed() {
			t.Logf("service log:\n%s", s.log.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("unix", s.socket); err == nil {
			c.Close()
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("skiff system service exited: %v\n%s", err, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no socket %s after 20s\n%s", s.socket, s.log.String())
		}
	}
}

// command is the docker CLI with args, pointed at the service.
func (s *apiService) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, dockerCLI, args...)
	cmd.Env = append(os.Environ(), s.env...)
	return cmd
}

// docker runs the docker CLI against the service. Builds and compose projects take longer than the
// harness's Timeout allows a single command.
func (s *apiService) docker(t *testing.T, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := s.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Args: append([]string{"(docker)"}, args...), Stdout: out.String(), Stderr: errb.String()}
	if ctx.Err() != nil {
		t.Fatalf("docker %s: timed out\n%s", strings.Join(args, " "), r.Stderr)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustDocker runs the docker CLI and fails the test unless it exits 0; it returns trimmed stdout.
func (s *apiService) mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	r := s.docker(t, args...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	return strings.TrimSpace(r.Stdout)
}

// client is an HTTP client that talks to the service's socket.
func (s *apiService) client() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.socket)
		},
		MaxIdleConnsPerHost: 64,
	}}
}

// request sends one API request and returns the status and the body.
func (s *apiService) request(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://skiff"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

// TestDockerAPIContainers: docker version/info/ps/run/logs/exec/stop/start/restart/inspect/cp/rm through
// the service, and what docker shows matches what skiff shows.
func TestDockerAPIContainers(t *testing.T) {
	s := startService(t, "0")
	Must(t, "pull", "-q", Busybox)
	if v := s.mustDocker(t, "version", "--format", "{{.Server.APIVersion}} {{.Server.Os}}"); v != "1.44 linux" {
		t.Errorf("docker version: server %q, want API 1.44 on linux", v)
	}
	if v := s.mustDocker(t, "info", "--format", "{{.OSType}} {{.Driver}} {{.SecurityOptions}}"); !strings.HasPrefix(v, "linux ") || !strings.Contains(v, "rootless") {
		t.Errorf("docker info = %q, want linux, the storage driver and rootless", v)
	}
	s.mustDocker(t, "ps", "-a")

	if out := s.mustDocker(t, "run", "--rm", Busybox, "echo", "hello from docker"); out != "hello from docker" {
		t.Errorf("docker run --rm echo: %q", out)
	}
	if r := s.docker(t, "run", "--rm", Busybox, "sh", "-c", "echo out; echo err >&2; exit 3"); r.Code != 3 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Errorf("docker run --rm sh -c 'exit 3': want exit 3 with out and err on their streams\n%s", r)
	}

	name := Name(t)
	rmContainer(t, name)
	t.Cleanup(func() { rmContainer(t, name) })
	id := s.mustDocker(t, "run", "-d", "--name", name, "-p", "127.0.0.1:19201:80", "-e", "GREETING=hi", "--label", "app=web",
		Busybox, "sh", "-c", `echo started; echo $GREETING > /tmp/index.html; exec httpd -f -p 80 -h /tmp`)
	if len(id) != 64 {
		t.Fatalf("docker run -d printed %q, want a container ID", id)
	}
	waitFor(t, "the published port", func() bool { return httpOK("http://127.0.0.1:19201/index.html") })

	// docker ps and skiff ps, docker inspect and skiff inspect agree.
	dps := s.mustDocker(t, "ps", "--filter", "label=app=web", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Ports}}")
	sps := Must(t, "ps", "--filter", "label=app=web", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Ports}}")
	want := id[:12] + " " + name + " " + Busybox + " running 127.0.0.1:19201->80/tcp"
	if dps != want || !strings.HasPrefix(sps, id[:12]+" "+name+" "+Busybox+" Up ") || !strings.HasSuffix(sps, "127.0.0.1:19201->80/tcp") {
		t.Errorf("docker ps %q, skiff ps %q; want %q and the same ID, name, image and ports with Up", dps, sps, want)
	}
	di := s.mustDocker(t, "inspect", "-f", "{{.Id}} {{.Name}} {{.State.Status}} {{.State.Pid}} {{.Config.Image}}", name)
	si := Must(t, "inspect", "-f", "{{.Id}} /{{.Name}} {{.State.Status}} {{.State.Pid}} {{.Config.Image}}", name)
	if di != si || !strings.HasPrefix(di, id+" /"+name+" running ") {
		t.Errorf("docker inspect %q, skiff inspect %q", di, si)
	}
	if p := s.mustDocker(t, "inspect", "-f", `{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}`, name); p != "19201" {
		t.Errorf("docker inspect NetworkSettings.Ports 80/tcp = %q, want 19201", p)
	}
	if out := s.mustDocker(t, "port", name); !strings.Contains(out, "80/tcp -> 127.0.0.1:19201") {
		t.Errorf("docker port: %q", out)
	}

	if logs := s.mustDocker(t, "logs", name); logs != "started" {
		t.Errorf("docker logs = %q, want started", logs)
	}
	if out := s.mustDocker(t, "exec", "-e", "X=1", name, "sh", "-c", "echo $X $GREETING"); out != "1 hi" {
		t.Errorf("docker exec = %q, want '1 hi'", out)
	}
	if r := s.docker(t, "exec", name, "sh", "-c", "exit 4"); r.Code != 4 {
		t.Errorf("docker exec exit 4: %s", r)
	}

	// docker cp both ways.
	local := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, local, "copied in\n")
	s.mustDocker(t, "cp", local, name+":/tmp/in.txt")
	if out := Must(t, "exec", name, "cat", "/tmp/in.txt"); out != "copied in" {
		t.Errorf("after docker cp into the container: %q", out)
	}
	outDir := t.TempDir()
	s.mustDocker(t, "cp", name+":/tmp/index.html", outDir)
	if b, err := os.ReadFile(filepath.Join(outDir, "index.html")); err != nil || string(b) != "hi\n" {
		t.Errorf("docker cp out of the container: %q %v", b, err)
	}
	if r := s.docker(t, "cp", name+":/no/such/file", outDir); r.Code == 0 || !strings.Contains(r.Stderr, "Could not find the file /no/such/file") {
		t.Errorf("docker cp of a missing file:\n%s", r)
	}

	s.mustDocker(t, "stop", "-t", "1", name)
	if st := Must(t, "inspect", "-f", "{{.State.Status}}", name); st != "exited" {
		t.Errorf("after docker stop, skiff sees %s", st)
	}
	s.mustDocker(t, "start", name)
	waitFor(t, "the port after docker start", func() bool { return httpOK("http://127.0.0.1:19201/index.html") })
	pid := Must(t, "inspect", "-f", "{{.State.Pid}}", name)
	s.mustDocker(t, "restart", "-t", "1", name)
	if p := Must(t, "inspect", "-f", "{{.State.Status}} {{.State.Pid}}", name); p == "running "+pid || !strings.HasPrefix(p, "running ") {
		t.Errorf("after docker restart: %q (pid was %s)", p, pid)
	}
	s.mustDocker(t, "rm", "-f", name)
	if r := Run(t, "container", "exists", name); r.Code != 1 {
		t.Errorf("container exists after docker rm -f: exit %d", r.Code)
	}
	if r := s.docker(t, "inspect", name); r.Code == 0 || !strings.Contains(r.Stderr, "No such") {
		t.Errorf("docker inspect of a removed container:\n%s", r)
	}
}

// TestDockerAPITerminal: docker run -it gives a prompt and Ctrl-D ends it; docker exec -it has the
// client's terminal size; Ctrl-C on a foreground docker run stops the container.
func TestDockerAPITerminal(t *testing.T) {
	s := startService(t, "0")
	Must(t, "pull", "-q", Busybox)
	env := strings.Join(s.env, " ")
	out, code := script(t, "env "+env+" "+dockerCLI+" run -it --rm "+Busybox+" sh", "echo hi-$((40+2))\n\x04", 2*time.Second)
	if code != 0 || !strings.Contains(out, "/ # ") || !strings.Contains(out, "hi-42") {
		t.Errorf("docker run -it under a pty: exit %d, output %q; want a prompt, hi-42 and exit 0 after Ctrl-D", code, out)
	}

	name := Name(t)
	rmContainer(t, name)
	t.Cleanup(func() { rmContainer(t, name) })
	s.mustDocker(t, "run", "-d", "--name", name, Busybox, "sleep", "1000")
	out, code = script(t, "stty rows 33 cols 111; env "+env+" "+dockerCLI+" exec -it "+name+" sh -c 'stty size; tty; exit 5'", "", 0)
	if code != 5 || !strings.Contains(out, "33 111") || !strings.Contains(out, "/dev/pts/") {
		t.Errorf("docker exec -it under a pty: exit %d, output %q; want 5, 33 111 and a /dev/pts terminal", code, out)
	}

	fg := Name(t) + "-fg"
	rmContainer(t, fg)
	t.Cleanup(func() { rmContainer(t, fg) })
	cmd := exec.Command(dockerCLI, "run", "--name", fg, Busybox, "sh", "-c", `trap "echo got INT; exit 130" INT; echo ready; while :; do sleep 0.1; done`)
	cmd.Env = append(os.Environ(), s.env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the foreground container", func() bool { return strings.Contains(buf.String(), "ready") })
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("docker run did not end after Ctrl-C: %q", buf.String())
	}
	if c := cmd.ProcessState.ExitCode(); c != 130 || !strings.Contains(buf.String(), "got INT") {
		t.Errorf("Ctrl-C on docker run: exit %d, output %q; want 130 and the container's trap", c, buf.String())
	}
	if st := Must(t, "inspect", "-f", "{{.State.Status}}", fg); st != "exited" {
		t.Errorf("after Ctrl-C the container is %s, want exited", st)
	}
}

// TestDockerAPIBadInput: an unknown endpoint is a 404 and malformed JSON a 400, both Docker's JSON
// error; a too old API version is refused; the socket is the user's only.
func TestDockerAPIBadInput(t *testing.T) {
	s := startService(t, "0")
	for _, tt := range []struct {
		method, path, body string
		status             int
		message            string
	}{
		{"GET", "/v1.44/no/such/endpoint", "", 404, "page not found"},
		{"POST", "/v1.44/containers/create", `{"Image": "busybox",`, 400, "parse the request body"},
		{"POST", "/containers/create", `{"Cmd": ["true"]}`, 400, "names no image"},
		{"GET", "/v1.20/version", "", 400, "too old"},
		{"GET", "/v1.44/containers/no-such-container/json", "", 404, "No such container: no-such-container"},
		{"POST", "/v1.44/containers/create", `{"Image": "localhost:5000/no-such-image:1"}`, 404, "No such image: localhost:5000/no-such-image:1"},
		{"POST", "/v1.44/containers/create?name=bad%20name", `{"Image": "` + Busybox + `"}`, 400, ""},
	} {
		status, body := s.request(t, tt.method, tt.path, tt.body)
		var doc struct{ Message string }
		if err := json.Unmarshal(body, &doc); err != nil || status != tt.status || !strings.Contains(doc.Message, tt.message) || doc.Message == "" {
			t.Errorf("%s %s: %d %s; want %d and a JSON message containing %q", tt.method, tt.path, status, body, tt.status, tt.message)
		}
	}
	st, err := os.Stat(s.socket)
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket %s: %v %v, want a socket with mode 0600", s.socket, st.Mode(), err)
	}
	// A non-loopback TCP address needs the explicit flag; bad input changes nothing and exits 125.
	Expect(t, 125, []string{"not a loopback address", "--allow-remote"}, "system", "service", "tcp://0.0.0.0:19202")
	Expect(t, 125, []string{"unknown scheme"}, "system", "service", "http://127.0.0.1:19202")
}
