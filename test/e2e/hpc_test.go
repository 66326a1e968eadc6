package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// hostInterfaces lists the host's network interfaces.
func hostInterfaces(t *testing.T) []string {
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// skiff --module hpc: the host's interfaces, the user's own UID and $HOME, and the current directory.
func TestHPCModule(t *testing.T) {
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "input"), []byte("from-cwd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	script := `id -u; id -g; pwd; cat input; echo "home=$HOME"; test -d "$HOME" && echo home-bound; ls /sys/class/net | sort | tr '\n' ' '; echo; test $$ -ne 1 && echo host-pids; touch output`
	r := RunInDir(t, work, nil, "--module", "hpc", "run", "--rm", Busybox, "sh", "-c", script)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	want := []string{strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid()), work, "from-cwd", "home=" + home, "home-bound",
		strings.Join(hostInterfaces(t), " "), "host-pids"}
	if len(lines) != len(want) {
		t.Fatalf("output %q, want %q", lines, want)
	}
	for i := range want {
		if strings.TrimSpace(lines[i]) != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	st, err := os.Stat(filepath.Join(work, "output"))
	if err != nil {
		t.Fatalf("the container's file is not in the current directory: %v", err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
		t.Fatalf("the container's file in the current directory is not the user's: %+v", st.Sys())
	}
	// A flag wins over the module.
	r = RunInDir(t, work, nil, "--module", "hpc", "run", "--rm", "--network", "none", Busybox, "ls", "/sys/class/net")
	if r.Code != 0 || strings.Fields(r.Stdout)[0] != "lo" || len(strings.Fields(r.Stdout)) != 1 {
		t.Fatalf("--network none with the hpc module:\n%s", r)
	}
}

// The README's MPI-style run: two processes in two containers talk over the host network and through
// shared memory in the host's IPC namespace.
func TestHPCModuleTwoRanks(t *testing.T) {
	work := t.TempDir()
	name := Name(t)
	port := strconv.Itoa(20000 + int(time.Now().UnixNano()%10000))
	shm := "skiff-" + name
	t.Cleanup(func() { Run(t, "rm", "-f", name+"-0"); os.Remove("/dev/shm/" + shm) })
	// Rank 0 puts its part in shared memory and serves on the host network.
	r := RunInDir(t, work, nil, "--module", "hpc", "run", "-d", "--name", name+"-0", Busybox,
		"sh", "-c", "echo rank0-shm > /dev/shm/"+shm+" && echo rank0-net | nc -l -p "+port)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	// Rank 1 reads both.
	var out Result
	for i := 0; i < 50; i++ {
		out = RunInDir(t, work, nil, "--module", "hpc", "run", "--rm", Busybox,
			"sh", "-c", "cat /dev/shm/"+shm+" && nc 127.0.0.1 "+port+" </dev/null")
		if out.Code == 0 && strings.Contains(out.Stdout, "rank0-net") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(out.Stdout, "rank0-shm") || !strings.Contains(out.Stdout, "rank0-net") {
		t.Fatalf("rank 1 did not get rank 0's shared memory and message:\n%s", out)
	}
	if code := strings.TrimSpace(Must(t, "wait", name+"-0")); code != "0" {
		t.Fatalf("rank 0 exited %s", code)
	}
}
