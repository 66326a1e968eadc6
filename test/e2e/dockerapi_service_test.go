package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// TestDockerAPIIdleExit: the service exits after --time seconds without a connection, and the container
// started through it keeps running.
func TestDockerAPIIdleExit(t *testing.T) {
	s := startService(t, "2")
	Must(t, "pull", "-q", Busybox)
	name := Name(t)
	rmContainer(t, name)
	t.Cleanup(func() { rmContainer(t, name) })
	s.mustDocker(t, "run", "-d", "--name", name, Busybox, "sleep", "1000")
	start := time.Now()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("the service exited with %v, want 0", err)
		}
		if took := time.Since(start); took < time.Second || took > 15*time.Second {
			t.Errorf("the service exited %s after the last request, want about 2s", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not exit after 2 idle seconds")
	}
	if st := Must(t, "inspect", "-f", "{{.State.Status}}", name); st != "running" {
		t.Errorf("the container started through the service is %s after its exit, want running", st)
	}
	if _, err := os.Stat(s.socket); err == nil {
		t.Errorf("the socket %s is left behind", s.socket)
	}
}

// TestDockerAPIDisconnect: a client that goes away in the middle of logs -f, attach or pull leaves the
// container running, the service answering and the store consistent.
func TestDockerAPIDisconnect(t *testing.T) {
	s := startService(t, "0")
	Must(t, "pull", "-q", Busybox)
	name := Name(t)
	rmContainer(t, name)
	t.Cleanup(func() { rmContainer(t, name) })
	s.mustDocker(t, "run", "-d", "--name", name, Busybox, "sh", "-c", "while :; do echo tick; sleep 0.2; done")
	for _, args := range [][]string{{"logs", "-f", name}, {"attach", name}} {
		cmd := exec.Command(dockerCLI, args...)
		cmd.Env = append(os.Environ(), s.env...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "tick\n" {
			t.Errorf("docker %s: first line %q %v", strings.Join(args, " "), line, err)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		time.Sleep(time.Second) // the service notices at its next write
		if st := Must(t, "inspect", "-f", "{{.State.Status}}", name); st != "running" {
			t.Fatalf("after the client of docker %s went away the container is %s, want running", strings.Join(args, " "), st)
		}
	}
	if out := s.mustDocker(t, "ps", "--filter", "name="+name, "--format", "{{.State}}"); out != "running" {
		t.Errorf("docker ps after the disconnects: %q", out)
	}

	// A pull whose client goes away half-way leaves a store that lists its images and pulls the same
	// image again to the end.
	Run(t, "rmi", "-f", Distro)
	t.Cleanup(func() { Run(t, "rmi", "-f", Distro) })
	pull := s.command(context.Background(), "pull", Distro)
	out, err := pull.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := pull.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.Contains(line, "Pulling from") {
		t.Errorf("docker pull: first line %q %v", line, err)
	}
	_ = pull.Process.Kill()
	_ = pull.Wait()
	Must(t, "images")
	s.mustDocker(t, "pull", Distro)
	if id := Must(t, "image", "inspect", "--format", "{{.Id}}", Distro); id == "" {
		t.Error("no image after the second pull")
	}
	if out := s.mustDocker(t, "ps", "--filter", "name="+name, "--format", "{{.State}}"); out != "running" {
		t.Errorf("docker ps after the interrupted pull: %q", out)
	}
}

// TestDockerAPIConcurrent: 50 concurrent requests mixing list, create, start and remove all succeed.
func TestDockerAPIConcurrent(t *testing.T) {
	s := startService(t, "0")
	Must(t, "pull", "-q", Busybox)
	prefix := Name(t)
	t.Cleanup(func() {
		for i := 0; i < 50; i++ {
			rmContainer(t, fmt.Sprintf("%s-%d", prefix, i))
		}
	})
	c := s.client()
	do := func(method, path, body string) error {
		req, err := http.NewRequest(method, "http://skiff/v1.44"+path, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			var doc struct{ Message string }
			_ = json.NewDecoder(resp.Body).Decode(&doc)
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, doc.Message)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				errs <- do("GET", "/containers/json?all=1", "")
				return
			}
			name := fmt.Sprintf("%s-%d", prefix, i)
			steps := []struct{ method, path, body string }{
				{"POST", "/containers/create?name=" + name, `{"Image": "` + Busybox + `", "Cmd": ["sleep", "30"]}`},
				{"POST", "/containers/" + name + "/start", ""},
				{"DELETE", "/containers/" + name + "?force=1", ""},
			}
			for _, st := range steps {
				if err := do(st.method, st.path, st.body); err != nil {
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if err != nil {
			n++
			t.Error(err)
		}
	}
	if n > 0 {
		t.Fatalf("%d of 50 concurrent requests failed", n)
	}
	if out := Must(t, "ps", "-a", "--filter", "name="+prefix, "--format", "{{.Names}}"); out != "" {
		t.Errorf("containers left after the concurrent removes: %q", out)
	}
}

// TestDockerAPISocketActivation: with skiff.socket (contrib/systemd/user) listening, the first docker ps
// starts skiff.service, which exits again when idle while the socket stays; containers outlive it.
func TestDockerAPISocketActivation(t *testing.T) {
	env := userManager(t)
	startService(t, "0") // only to find the docker CLI; this test talks to the activated service
	_, self, _, _ := runtime.Caller(0)
	contrib := filepath.Join(filepath.Dir(self), "..", "..", "contrib", "systemd", "user")
	dir := userUnitDir(t)
	for _, u := range []string{"skiff.socket", "skiff.service"} {
		if _, err := os.Stat(filepath.Join(dir, u)); err == nil {
			t.Fatalf("%s exists and is not the test's: remove it", filepath.Join(dir, u))
		}
	}
	b, err := os.ReadFile(filepath.Join(contrib, "skiff.service"))
	if err != nil {
		t.Fatalf("the unit skiff installs: %v", err)
	}
	installUnit(t, env, dir, "skiff.service", strings.ReplaceAll(string(b), "@@SKIFF@@", Binary))
	b, err = os.ReadFile(filepath.Join(contrib, "skiff.socket"))
	if err != nil {
		t.Fatalf("the unit skiff installs: %v", err)
	}
	installUnit(t, env, dir, "skiff.socket", string(b))
	analyzeVerify(t, filepath.Join(dir, "skiff.socket"), filepath.Join(dir, "skiff.service"))
	mustSystemctl(t, env, "start", "skiff.socket")
	if st := unitProp(env, "skiff.service", "ActiveState"); st == "active" {
		t.Fatalf("skiff.service is active before the first connection")
	}
	sock := filepath.Join(fmt.Sprintf("/run/user/%d", os.Getuid()), "skiff", "skiff.sock")
	s := &apiService{socket: sock, env: []string{"DOCKER_HOST=unix://" + sock, "DOCKER_CONFIG=" + filepath.Join(t.TempDir(), "docker-config")}}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s: %v, want mode 0600", sock, err)
	}
	Must(t, "pull", "-q", Busybox)
	name := Name(t)
	rmContainer(t, name)
	t.Cleanup(func() { rmContainer(t, name) })
	s.mustDocker(t, "ps")
	if st := unitProp(env, "skiff.service", "ActiveState"); st != "active" && st != "deactivating" {
		t.Errorf("skiff.service after the first docker ps: %s, want active", st)
	}
	s.mustDocker(t, "run", "-d", "--name", name, Busybox, "sleep", "1000")
	waitFor(t, "skiff.service to exit when idle", func() bool { return unitProp(env, "skiff.service", "ActiveState") == "inactive" })
	if st := unitProp(env, "skiff.socket", "ActiveState"); st != "listening" && st != "active" {
		t.Errorf("skiff.socket after the service exited: %s, want listening", st)
	}
	if st := Must(t, "inspect", "-f", "{{.State.Status}}", name); st != "running" {
		t.Errorf("the container started through the activated service is %s after it exited, want running", st)
	}
	// The next client starts it again.
	if out := s.mustDocker(t, "ps", "--filter", "name="+name, "--format", "{{.Names}}"); out != name {
		t.Errorf("docker ps through the socket after the service exited: %q", out)
	}
}
