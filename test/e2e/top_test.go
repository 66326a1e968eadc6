package e2e

import (
	"os"
	"os/user"
	"strconv"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15: top takes all of Podman's descriptors, and the AIX codes.
func TestTopDescriptors(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "run", "-d", "--name", name, "--cap-drop", "all", "--cap-add", "chown,kill", Busybox, "sleep", "300")
	out := Must(t, "top", name, "pid", "pgid", "ruser", "rgroup", "huser", "capeff", "capbnd", "capamb", "seccomp", "label", "hpid")
	lines := strings.Split(out, "\n")
	if len(lines) != 2 {
		t.Fatalf("top: %q", out)
	}
	if !Matches(`^PID\s+PGID\s+RUSER\s+RGROUP\s+HUSER\s+EFFECTIVE CAPS\s+BOUNDING CAPS\s+AMBIENT CAPS\s+SECCOMP\s+LABEL\s+HPID$`, lines[0]) {
		t.Fatalf("top header: %q", lines[0])
	}
	me, _ := user.Current()
	f := strings.Fields(lines[1])
	want := []string{"1", "1", "root", "root", me.Username, "CHOWN,KILL", "CHOWN,KILL", "none", "filter", "-"}
	for i, w := range want {
		if f[i] != w {
			t.Fatalf("top column %d: %q, want %q\n%s", i, f[i], w, out)
		}
	}
	hpid, _ := strconv.Atoi(f[10])
	if b, err := os.ReadFile("/proc/" + f[10] + "/cmdline"); err != nil || hpid <= 1 || !strings.HasPrefix(string(b), "sleep") {
		t.Fatalf("HPID %s is not the container's sleep on the host (%q, %v)", f[10], b, err)
	}
	aix := Must(t, "top", name, "%p", "%U", "%c", "%n")
	if !Matches(`(?s)^PID\s+USER\s+COMMAND\s+NI\n1\s+root\s+sleep\s+0$`, aix) {
		t.Fatalf("top with AIX codes: %q", aix)
	}
	Expect(t, 125, []string{"unknown descriptor", "capeff"}, "top", name, "bogus")
}
