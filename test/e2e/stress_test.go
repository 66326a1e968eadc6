package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// Stress tests: bounded in count and time, they look for races between concurrent commands and for
// state that a command killed at any moment leaves behind.

// TestStressConcurrentRuns: 50 concurrent `run --rm` succeed with each runtime that can run containers
// here, and leave no container behind.
func TestStressConcurrentRuns(t *testing.T) {
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			if rt == "crun" {
				// crun 1.8 refuses hybrid cgroup hosts: a limit of the host, probed, not a feature skipped.
				if r := Run(t, "--runtime", rt, "run", "--rm", Busybox, "true"); r.Code != 0 {
					if strings.Contains(r.Stderr, "which crun refuses") {
						t.Skipf("probe: crun cannot run containers on this host: %s", strings.TrimSpace(r.Stderr))
					}
					t.Fatalf("probe run with crun:\n%s", r)
				}
			}
			const n = 50
			base := Name(t)
			var wg sync.WaitGroup
			results := make([]Result, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = Run(t, "--runtime", rt, "run", "--rm", "--name", fmt.Sprintf("%s-%d", base, i), Busybox, "true")
				}()
			}
			wg.Wait()
			failed := 0
			for i, r := range results {
				if r.Code != 0 {
					failed++
					if failed <= 3 {
						t.Errorf("run %d of %d:\n%s", i, n, r)
					}
				}
			}
			if failed > 0 {
				t.Errorf("%d of %d concurrent runs failed", failed, n)
			}
			if left := Must(t, "ps", "-a", "-q", "--filter", "name="+base); left != "" {
				t.Errorf("--rm containers left behind:\n%s", left)
			}
		})
	}
}

// namespaceProcesses returns the processes (pid → command line) that live in the user namespace of the
// sandbox's pause process, other than the pause process itself.
func namespaceProcesses(s *Sandbox) map[int]string {
	pause := s.PausePID()
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pause))
	out := map[int]string{}
	if err != nil {
		return out
	}
	for _, pid := range processesOf("") {
		if pid == pause {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid)); err == nil && l == ns {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if err == nil && len(b) > 0 { // a zombie has no command line
				out[pid] = strings.Join(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), " ")
			}
		}
	}
	return out
}

// killAtRandom starts skiff with args in the sandbox n times, each time killing it with SIGKILL after a
// random delay of up to max, and reports how many runs were killed before they ended.
func killAtRandom(t *testing.T, s *Sandbox, n int, max time.Duration, args func(i int) []string) int {
	t.Helper()
	killed := 0
	for i := range n {
		cmd := exec.Command(Binary, append(append([]string{}, s.Flags...), args(i)...)...)
		cmd.Env = append(os.Environ(), s.Env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(time.Duration(rand.Int64N(int64(max)))):
			_ = cmd.Process.Kill()
			<-done
			killed++
		}
	}
	return killed
}

// TestStressKilledCommands: run -d, rm -f, pull and network create, each killed with SIGKILL at random
// points 20 times, leave a store that ps -a, rm -af, images and network ls read and repair, and
// within a few seconds no mount, monitor, container or network helper of the user.
func TestStressKilledCommands(t *testing.T) {
	s := NewSandbox(t)
	s.Must(t, "pull", "-q", Busybox)
	const n = 20
	base := Name(t)

	killed := killAtRandom(t, s, n, 400*time.Millisecond, func(i int) []string {
		return []string{"run", "-d", "--name", fmt.Sprintf("%s-run-%d", base, i), Busybox, "sleep", "300"}
	})
	t.Logf("run -d: %d of %d killed", killed, n)
	// Containers to remove, each rm -f killed at a random point.
	for i := range n {
		s.Run(t, "run", "-d", "--name", fmt.Sprintf("%s-rm-%d", base, i), Busybox, "sleep", "300")
	}
	killed = killAtRandom(t, s, n, 300*time.Millisecond, func(i int) []string {
		return []string{"rm", "-f", fmt.Sprintf("%s-rm-%d", base, i)}
	})
	t.Logf("rm -f: %d of %d killed", killed, n)
	killed = killAtRandom(t, s, n, 300*time.Millisecond, func(i int) []string {
		if i%2 == 0 {
			s.Run(t, "rmi", "-f", Layers)
		}
		return []string{"pull", "-q", Layers}
	})
	t.Logf("pull: %d of %d killed", killed, n)
	killed = killAtRandom(t, s, n, 200*time.Millisecond, func(i int) []string {
		return []string{"network", "create", fmt.Sprintf("%s-net-%d", base, i)}
	})
	t.Logf("network create: %d of %d killed", killed, n)

	// Everything reads, and repairs what the killed commands left.
	for _, args := range [][]string{{"ps", "-a"}, {"images"}, {"network", "ls"}, {"rm", "-af"}} {
		if r := s.Run(t, args...); r.Code != 0 {
			t.Fatalf("%v after the killed commands:\n%s", args, r)
		}
	}
	if left := s.Must(t, "ps", "-aq"); left != "" {
		t.Errorf("containers left after rm -af:\n%s", left)
	}
	for _, id := range strings.Fields(s.Must(t, "images", "-q")) {
		if r := s.Run(t, "inspect", "--format", "{{.Id}}", id); r.Code != 0 {
			t.Errorf("image %s is listed but cannot be inspected:\n%s", id, r)
		}
	}
	for _, name := range strings.Fields(s.Must(t, "network", "ls", "--format", "{{.Name}}")) {
		if strings.HasPrefix(name, base) {
			if r := s.Run(t, "network", "rm", name); r.Code != 0 {
				t.Errorf("network rm %s after a killed create:\n%s", name, r)
			}
		}
	}
	if r := s.Run(t, "run", "--rm", Busybox, "true"); r.Code != 0 {
		t.Errorf("run after the killed commands:\n%s", r)
	}

	var procs map[int]string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if procs = namespaceProcesses(s); len(procs) == 0 {
			break
		}
	}
	if len(procs) > 0 {
		t.Errorf("processes left in the user's namespace: %v", procs)
	}
	// The overlay driver keeps its home bind-mounted (root/overlay); every other mount under the storage
	// (a container's rootfs, its shm) belongs to a container, and none is left.
	root := s.Flags[1]
	for _, line := range strings.Split(s.Must(t, "unshare", "cat", "/proc/self/mountinfo"), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], root+"/") && f[4] != root+"/overlay" {
			t.Errorf("mount left in the sandbox's storage: %s", line)
		}
	}
}
