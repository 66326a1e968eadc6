package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The acceptance scenarios of issue 3 (containers), run as an unprivileged user with a subordinate ID
// range. They share the user's default storage and name their containers after the test.

// rmContainer removes a container at the end of the test, whatever state it is in.
func rmContainer(t *testing.T, name string) {
	t.Cleanup(func() { Run(t, "rm", "-f", "--ignore", name) })
}

// mergedMounts counts the overlay mounts in the user's mount namespace (the pause process's).
func mergedMounts(t *testing.T) int {
	t.Helper()
	out := Must(t, "unshare", "cat", "/proc/self/mountinfo")
	return strings.Count(out, "/merged ")
}

// processesOf returns the PIDs of processes whose command line mentions s.
func processesOf(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// script runs command under a pseudo-terminal (util-linux script), feeding input after delay, and
// returns the output and exit code.
func script(t *testing.T, command string, input string, delay time.Duration) (string, int) {
	t.Helper()
	path, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("script(1) is needed to test under a terminal: install util-linux")
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-qec", command, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(delay)
		_, _ = stdin.Write([]byte(input))
		// Keep stdin open: script ends the session on EOF before the command may be done.
		<-ctx.Done()
		stdin.Close()
	}()
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out\n%s", command, out.String())
	}
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func TestContainerRunExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrWant string
	}{
		{"echo", []string{"run", "--rm", Busybox, "echo", "hello"}, 0, "hello\n", ""},
		{"own exit code", []string{"run", "--rm", Busybox, "sh", "-c", "exit 7"}, 7, "", ""},
		// PID 1 cannot be killed from inside its namespace: with --init the shell is PID 2.
		{"killed by a signal", []string{"run", "--rm", "--init", Busybox, "sh", "-c", "kill -9 $$"}, 137, "", ""},
		{"command not found", []string{"run", "--rm", Busybox, "no-such-command"}, 127, "", "executable file not found"},
		{"not executable", []string{"run", "--rm", Busybox, "/etc/passwd"}, 126, "", "permission denied"},
		{"unknown flag", []string{"run", "--bogus", Busybox, "true"}, 125, "", "unknown flag: --bogus"},
		{"bad -e", []string{"run", "--rm", "-e", "=x", Busybox, "true"}, 125, "", "-e \"=x\""},
		{"bad --env-file", []string{"run", "--rm", "--env-file", "/nonexistent/env", Busybox, "true"}, 125, "", "/nonexistent/env"},
		{"bad --ulimit", []string{"run", "--rm", "--ulimit", "nofile=abc", Busybox, "true"}, 125, "", "nofile"},
		{"missing image", []string{"run", "--rm", "--pull", "never", Registry + "/no-such-image:1", "true"}, 125, "", "no-such-image"},
		{"bad --pull", []string{"run", "--rm", "--pull", "sometimes", Busybox, "true"}, 125, "", "--pull"},
		{"env reaches the container", []string{"run", "--rm", "-e", "A=1,2", "-w", "/tmp", Busybox, "sh", "-c", "echo $A $(pwd)"}, 0, "1,2 /tmp\n", ""},
	}
	before := Must(t, "ps", "-a", "-q", "--no-trunc")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(t, tt.args...)
			if r.Code != tt.code {
				t.Fatalf("want exit %d\n%s", tt.code, r)
			}
			if tt.code == 0 && r.Stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", r.Stdout, tt.stdout)
			}
			if tt.stderrWant != "" && !strings.Contains(r.Stderr, tt.stderrWant) {
				t.Errorf("stderr lacks %q\n%s", tt.stderrWant, r)
			}
			if tt.code == 125 && strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
				t.Errorf("want one line of error, got:\n%s", r.Stderr)
			}
		})
	}
	// Bad input and --rm leave no container behind.
	if after := Must(t, "ps", "-a", "-q", "--no-trunc"); after != before {
		t.Errorf("containers before:\n%s\nafter:\n%s", before, after)
	}
}

func TestContainerDetachedLifecycle(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	mountsBefore := mergedMounts(t)

	start := time.Now()
	id := Must(t, "run", "-d", "--name", name, Busybox, "sh", "-c", `trap "" TERM; echo out; echo err >&2; sleep 1000`)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("run -d took %s", took)
	}
	if len(id) != 64 {
		t.Fatalf("run -d printed %q, want the 64-hex container ID", id)
	}

	ps := Must(t, "ps")
	if !Matches(`^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$`, ps) {
		t.Errorf("ps header:\n%s", ps)
	}
	if !Matches(id[:12]+`\s+`+Quote(Busybox)+`\s+.*\s+Up .*\s+`+name+`$`, ps) {
		t.Fatalf("ps does not show %s up:\n%s", name, ps)
	}

	// The output reaches the log as soon as it is written.
	var logs Result
	for i := 0; i < 50; i++ {
		if logs = Run(t, "logs", name); strings.Contains(logs.Stderr, "err") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if logs.Code != 0 || logs.Stdout != "out\n" || logs.Stderr != "err\n" {
		t.Fatalf("logs: want out on stdout and err on stderr\n%s", logs)
	}

	cmdline := Must(t, "exec", name, "cat", "/proc/1/cmdline")
	if !strings.Contains(cmdline, "sleep") {
		t.Errorf("exec cat /proc/1/cmdline = %q, want the container's command", cmdline)
	}
	if out, code := script(t, Binary+" exec -it "+name+" sh -c 'tty; exit 5'", "", 0); code != 5 || !strings.Contains(out, "/dev/pts/") {
		t.Errorf("exec -it under a pty: exit %d, output %q; want 5 and a /dev/pts terminal", code, out)
	}
	if st := Must(t, "inspect", "--format", "{{.State.Status}} {{.State.Running}}", name); st != "running true" {
		t.Errorf("inspect state = %q, want running true", st)
	}

	start = time.Now()
	Must(t, "stop", "-t", "2", name)
	if took := time.Since(start); took < 2*time.Second || took > 8*time.Second {
		t.Errorf("stop -t 2 of a container ignoring SIGTERM took %s, want about 2s", took)
	}
	psa := Must(t, "ps", "-a", "--filter", "name="+name)
	if !Matches(`Exited \(137\) .* ago\s+`+name+`$`, psa) {
		t.Fatalf("ps -a after stop:\n%s", psa)
	}
	if code := Must(t, "inspect", "--format", "{{.State.ExitCode}}", name); code != "137" {
		t.Errorf("inspect ExitCode = %s, want 137", code)
	}

	Must(t, "rm", name)
	if r := Run(t, "container", "exists", name); r.Code != 1 {
		t.Errorf("container exists after rm: exit %d, want 1", r.Code)
	}
	if pids := processesOf(id); len(pids) > 0 {
		t.Errorf("processes of %s left after rm: %v", name, pids)
	}
	if n := mergedMounts(t); n != mountsBefore {
		t.Errorf("overlay mounts: %d before, %d after rm", mountsBefore, n)
	}
	if r := Run(t, "inspect", "--type", "container", name); r.Code == 0 {
		t.Errorf("inspect found %s after rm", name)
	}
}

func TestContainerInteractiveTerminal(t *testing.T) {
	out, code := script(t, Binary+" run -it --rm "+Busybox+" sh", "echo marker-$((40+2))\nexit 3\n", time.Second)
	if code != 3 {
		t.Fatalf("run -it sh; exit 3: exit %d, want 3\n%s", code, out)
	}
	if !strings.Contains(out, "/ # ") || !strings.Contains(out, "marker-42") {
		t.Errorf("want a prompt and the command's output:\n%s", out)
	}
}

func TestContainerSurvivesHangup(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	// The shell that starts the container exits and its terminal hangs up.
	if out, code := script(t, Binary+" run -d --name "+name+" "+Busybox+" sleep 1000 && kill -HUP $$", "", 0); code == 0 || code == 125 {
		t.Fatalf("starting shell: exit %d, want it killed by SIGHUP\n%s", code, out)
	}
	time.Sleep(time.Second)
	if st := Must(t, "inspect", "--format", "{{.State.Status}}", name); st != "running" {
		t.Fatalf("after the starting shell's hangup the container is %s, want running", st)
	}
}

func TestContainerIsolation(t *testing.T) {
	out := Must(t, "run", "--rm", Busybox, "sh", "-c",
		`id -u; echo ---; cat /proc/self/uid_map; echo ---; ls /proc | grep -E '^[0-9]+$' | sort -n | tail -1; echo ---; `+
			`grep CapEff /proc/self/status; echo ---; cat /etc/shadow 2>&1 | grep -c skiff-test; true`)
	parts := strings.Split(out, "---\n")
	if len(parts) != 5 {
		t.Fatalf("unexpected output:\n%s", out)
	}
	if strings.TrimSpace(parts[0]) != "0" {
		t.Errorf("uid inside = %q, want 0", parts[0])
	}
	if !Matches(`^\s*1\s+100000\s+65536\s*$`, parts[1]) {
		t.Errorf("uid_map lacks the subordinate range 100000:65536:\n%s", parts[1])
	}
	if maxPid, _ := strconv.Atoi(strings.TrimSpace(parts[2])); maxPid > 20 {
		t.Errorf("the container sees PID %d: host PIDs are visible", maxPid)
	}
	// Podman's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP SETGID
	// SETPCAP SETUID SYS_CHROOT.
	if got := strings.TrimSpace(parts[3]); got != "CapEff:\t00000000800405fb" {
		t.Errorf("effective capabilities = %q, want Podman's default set 00000000800405fb", got)
	}
	if strings.TrimSpace(parts[4]) != "0" {
		t.Errorf("the host's /etc/shadow is readable in the container")
	}
}

func TestContainerConcurrentRuns(t *testing.T) {
	const n = 20
	base := Name(t)
	var wg sync.WaitGroup
	results := make([]Result, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = Run(t, "run", "--rm", "--name", fmt.Sprintf("%s-%d", base, i), Busybox, "echo", strconv.Itoa(i))
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 || strings.TrimSpace(r.Stdout) != strconv.Itoa(i) {
			t.Errorf("run %d: want exit 0 and %d\n%s", i, i, r)
		}
	}
	if left := Must(t, "ps", "-a", "-q", "--filter", "name="+base); left != "" {
		t.Errorf("--rm containers left behind:\n%s", left)
	}
}

func TestContainerNameClash(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	var wg sync.WaitGroup
	results := make([]Result, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = Run(t, "run", "-d", "--name", name, Busybox, "sleep", "100")
		}(i)
	}
	wg.Wait()
	ok, clash := 0, 0
	for _, r := range results {
		switch {
		case r.Code == 0:
			ok++
		case r.Code == 125 && strings.Contains(r.Stderr, `the container name "`+name+`" is already in use by`):
			clash++
		default:
			t.Errorf("unexpected result:\n%s", r)
		}
	}
	if ok != 1 || clash != 1 {
		t.Fatalf("want exactly one winner and one 125 naming the clash, got %d and %d\n%s\n%s", ok, clash, results[0], results[1])
	}
}

func TestContainerKilledCLI(t *testing.T) {
	mountsBefore := mergedMounts(t)
	for _, delay := range []time.Duration{30 * time.Millisecond, 80 * time.Millisecond, 150 * time.Millisecond, 250 * time.Millisecond, 400 * time.Millisecond} {
		name := fmt.Sprintf("%s-%d", Name(t), delay.Milliseconds())
		cmd := exec.Command(Binary, "run", "-d", "--name", name, Busybox, "sleep", "100")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if r := Run(t, "ps", "-a"); r.Code != 0 {
			t.Fatalf("ps -a after kill -9 of run -d (%s):\n%s", delay, r)
		}
		r := Run(t, "rm", "-f", name)
		if r.Code != 0 && !strings.Contains(r.Stderr, "no such container") {
			t.Fatalf("rm -f after kill -9 of run -d (%s):\n%s", delay, r)
		}
		if r := Run(t, "container", "exists", name); r.Code != 1 {
			t.Errorf("%s still exists after rm -f", name)
		}
	}
	// A killed command may leave a storage container without a record; rm -f cleans it, and no mount
	// may be left.
	if n := mergedMounts(t); n != mountsBefore {
		t.Errorf("overlay mounts: %d before, %d after", mountsBefore, n)
	}
}
