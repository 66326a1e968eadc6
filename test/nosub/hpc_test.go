package nosub

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// skiff --module hpc as a user without subordinate IDs: keep-id cannot be given (the runtime needs a root
// in the container), so the container's root is the user, with one warning saying so; the host's
// interfaces, $HOME and the current directory are there, and files written there are the user's.
func TestHPCModuleNoSubIDs(t *testing.T) {
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "input"), []byte("from-cwd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	entries, _ := os.ReadDir("/sys/class/net")
	var ifaces []string
	for _, e := range entries {
		ifaces = append(ifaces, e.Name())
	}
	sort.Strings(ifaces)
	r := RunInDir(t, work, nil, "--module", "hpc", "run", "--rm", Busybox, "sh", "-c",
		`pwd; cat input; echo "home=$HOME"; test -d "$HOME" && echo home-bound; ls /sys/class/net | sort | tr '\n' ' '; echo; test $$ -ne 1 && echo host-pids; touch output`)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	want := []string{work, "from-cwd", "home=" + home, "home-bound", strings.Join(ifaces, " "), "host-pids"}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != len(want) {
		t.Fatalf("output %q, want %q", lines, want)
	}
	for i := range want {
		if strings.TrimSpace(lines[i]) != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	if n := strings.Count(r.Stderr, "keep-id"); n != 1 || !strings.Contains(r.Stderr, "subordinate IDs") {
		t.Errorf("want one warning about keep-id without subordinate IDs:\n%s", r.Stderr)
	}
	st, err := os.Stat(filepath.Join(work, "output"))
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); int(sys.Uid) != os.Getuid() {
		t.Fatalf("output belongs to uid %d, want the user's %d", sys.Uid, os.Getuid())
	}
	// An explicit --userns keep-id is still refused in one line.
	r = RunInDir(t, work, nil, "--module", "hpc", "run", "--rm", "--userns", "keep-id", Busybox, "true")
	if r.Code != 125 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Fatalf("explicit --userns keep-id without subordinate IDs: want one line, exit 125\n%s", r)
	}
}
