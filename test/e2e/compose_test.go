package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// docker compose (v2+, the CLI plugin hack/setup-host.sh builds) against skiff's Docker API: through a
// `skiff system service` with DOCKER_HOST, and through `skiff compose`.

// composeProject writes a project with a built service (web) and an image service (db) on a user
// network, a named volume, depends_on a healthy db, environment and a published port; web serves the
// page it fetched from db by name. It returns the directory.
func composeProject(t *testing.T, port int) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "compose.yaml"), fmt.Sprintf(`services:
  db:
    image: %s
    command: ["sh", "-c", "echo db-says-$$GREETING > /data/index.html && echo db-ready && exec httpd -f -p 8080 -h /data"]
    environment:
      GREETING: hello
    volumes:
      - dbdata:/data
    networks: [appnet]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 3s
      retries: 30
  web:
    build: ./web
    depends_on:
      db:
        condition: service_healthy
    environment:
      DB_HOST: db
    ports:
      - "127.0.0.1:%d:8000"
    networks: [appnet]
volumes:
  dbdata: {}
networks:
  appnet: {}
`, Busybox, port))
	if err := os.Mkdir(filepath.Join(dir, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "web", "Dockerfile"), "FROM "+Busybox+"\nRUN mkdir /www\n"+
		`CMD ["sh", "-c", "wget -qO /www/index.html http://$DB_HOST:8080/ && echo web-started && exec httpd -f -p 8000 -h /www"]`+"\n")
	return dir
}

// projectLeftovers lists the containers, networks and volumes of project that skiff still has.
func projectLeftovers(t *testing.T, project string) string {
	t.Helper()
	label := "label=com.docker.compose.project=" + project
	return strings.TrimSpace(strings.Join([]string{
		Must(t, "ps", "-a", "--filter", label, "--format", "{{.Names}}"),
		Must(t, "network", "ls", "--filter", label, "--format", "{{.Name}}"),
		Must(t, "volume", "ls", "--filter", label, "--format", "{{.Name}}"),
	}, " "))
}

// cleanProject removes what a failed test left of project.
func cleanProject(t *testing.T, project string) {
	label := "label=com.docker.compose.project=" + project
	for _, id := range strings.Fields(Run(t, "ps", "-aq", "--filter", label).Stdout) {
		Run(t, "rm", "-f", id)
	}
	for _, n := range strings.Fields(Run(t, "network", "ls", "-q", "--filter", label).Stdout) {
		Run(t, "network", "rm", "-f", n)
	}
	for _, v := range strings.Fields(Run(t, "volume", "ls", "-q", "--filter", label).Stdout) {
		Run(t, "volume", "rm", "-f", v)
	}
	Run(t, "rmi", "-f", "localhost/"+project+"-web:latest")
}

func TestDockerCompose(t *testing.T) {
	s := startService(t, "0")
	const port = 19250
	dir := composeProject(t, port)
	project := Name(t)
	t.Cleanup(func() { cleanProject(t, project) })
	compose := func(args ...string) string {
		t.Helper()
		return s.mustDocker(t, append([]string{"compose", "--project-directory", dir, "-p", project}, args...)...)
	}
	compose("up", "-d")
	if got := strings.TrimSpace(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))); got != "db-says-hello" {
		t.Fatalf("web's published port answers %q, want the page web fetched from db by name", got)
	}
	ps := compose("ps", "--format", "{{.Service}} {{.State}}")
	if !strings.Contains(ps, "db running") || !strings.Contains(ps, "web running") {
		t.Fatalf("docker compose ps:\n%s", ps)
	}
	names := Must(t, "ps", "--filter", "label=com.docker.compose.project="+project, "--filter", "status=running", "--format", "{{.Names}}")
	if !strings.Contains(names, project+"-db-1") || !strings.Contains(names, project+"-web-1") {
		t.Fatalf("skiff ps does not show the project's containers:\n%s", names)
	}
	if logs := compose("logs", "db"); !strings.Contains(logs, "db-ready") {
		t.Fatalf("docker compose logs db:\n%s", logs)
	}
	if got := compose("exec", "-T", "db", "cat", "/data/index.html"); got != "db-says-hello" {
		t.Fatalf("docker compose exec: %q", got)
	}
	before := Must(t, "inspect", "--format", "{{.State.StartedAt}}", project+"-web-1")
	compose("restart", "web")
	if after := Must(t, "inspect", "--format", "{{.State.StartedAt}}", project+"-web-1"); after == before {
		t.Fatalf("docker compose restart web: web's start time stayed %s", before)
	}
	if got := strings.TrimSpace(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))); got != "db-says-hello" {
		t.Fatalf("after restart web answers %q", got)
	}
	compose("down", "-v")
	if left := projectLeftovers(t, project); left != "" {
		t.Fatalf("docker compose down -v left: %s", left)
	}
}

// streamedCmd is a command whose output is collected while it runs.
type streamedCmd struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (c *streamedCmd) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(b)
}

func (c *streamedCmd) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// startStreamed starts cmd with its output collected; the test's end kills what is left of it.
func startStreamed(t *testing.T, cmd *exec.Cmd) *streamedCmd {
	t.Helper()
	c := &streamedCmd{cmd: cmd, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = c, c
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// waitOutput waits until the command printed want.
func (c *streamedCmd) waitOutput(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(3 * time.Minute)
	for !strings.Contains(c.output(), want) {
		select {
		case err := <-c.done:
			c.done <- err
			t.Fatalf("exited (%v) before printing %q:\n%s", err, want, c.output())
		case <-deadline:
			t.Fatalf("no %q after 3 minutes:\n%s", want, c.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// interrupt sends SIGINT, as Ctrl-C does, and waits for the command to end.
func (c *streamedCmd) interrupt(t *testing.T) error {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.done:
		return err
	case <-time.After(2 * time.Minute):
		t.Fatalf("still running 2 minutes after SIGINT:\n%s", c.output())
	}
	return nil
}

// checkForegroundUp runs a foreground `compose up` (through run), waits until both services' logs
// stream, sends Ctrl-C, and checks that the project's containers stopped (and still exist).
func checkForegroundUp(t *testing.T, project string, up *streamedCmd) {
	t.Helper()
	up.waitOutput(t, "| web-started")
	up.waitOutput(t, "| db-ready")
	if err := up.interrupt(t); err != nil {
		var ee *exec.ExitError
		// compose exits 130 after Ctrl-C with the project stopped; anything else is a failure.
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("compose up after SIGINT: %v\n%s", err, up.output())
		}
	}
	label := "label=com.docker.compose.project=" + project
	// With a filter skiff ps lists every state, as Podman's does: ask for the running ones.
	if running := Must(t, "ps", "--filter", label, "--filter", "status=running", "--format", "{{.Names}}"); running != "" {
		t.Fatalf("after Ctrl-C on compose up these still run: %s\n%s\n%s\n%s", running, up.output(),
			Must(t, "ps", "-a", "--filter", label, "--format", "{{.Names}} {{.Status}}"),
			Must(t, "events", "--since", "5m", "--until", "0s", "--filter", "label=com.docker.compose.project="+project, "--format", "{{.Time}} {{.Status}} {{.Name}}"))
	}
	if all := Must(t, "ps", "-a", "--filter", label, "--format", "{{.Names}}"); !strings.Contains(all, project+"-web-1") {
		t.Fatalf("compose up's Ctrl-C should stop, not remove, the containers; skiff ps -a: %q", all)
	}
}

func TestDockerComposeForeground(t *testing.T) {
	s := startService(t, "0")
	dir := composeProject(t, 19251)
	project := Name(t)
	t.Cleanup(func() { cleanProject(t, project) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	checkForegroundUp(t, project, startStreamed(t, s.command(ctx, "compose", "--project-directory", dir, "-p", project, "up")))
	s.mustDocker(t, "compose", "--project-directory", dir, "-p", project, "down", "-v")
	if left := projectLeftovers(t, project); left != "" {
		t.Fatalf("docker compose down -v left: %s", left)
	}
}

func TestSkiffCompose(t *testing.T) {
	const port = 19252
	dir := composeProject(t, port)
	project := Name(t)
	t.Cleanup(func() { cleanProject(t, project) })
	args := func(a ...string) []string {
		return append([]string{"compose", "--project-directory", dir, "-p", project}, a...)
	}
	if r := Run(t, args("up", "-d")...); r.Code != 0 {
		t.Fatalf("%s", r)
	}
	if got := strings.TrimSpace(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port))); got != "db-says-hello" {
		t.Fatalf("web's published port answers %q", got)
	}
	if r := Run(t, args("exec", "-T", "db", "sh", "-c", "exit 7")...); r.Code != 7 {
		t.Fatalf("skiff compose exec with a command that exits 7: want exit 7\n%s", r)
	}
	if r := Run(t, args("bogus-command")...); r.Code == 0 || r.Code == 125 {
		t.Fatalf("skiff compose with a command compose does not know: want compose's own failure\n%s", r)
	}
	if r := Run(t, args("down", "-v")...); r.Code != 0 {
		t.Fatalf("%s", r)
	}
	if left := projectLeftovers(t, project); left != "" {
		t.Fatalf("skiff compose down -v left: %s", left)
	}
	// The service skiff compose ran is gone with it: no socket left in the runtime directory.
	if socks, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "skiff", "compose-*.sock")); len(socks) > 0 {
		t.Fatalf("skiff compose left its sockets: %v", socks)
	}

	// A foreground up through skiff compose, stopped by SIGINT to skiff.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	up := startStreamed(t, exec.CommandContext(ctx, Binary, args("up")...))
	checkForegroundUp(t, project, up)
	if r := Run(t, args("down", "-v")...); r.Code != 0 {
		t.Fatalf("%s", r)
	}
}
