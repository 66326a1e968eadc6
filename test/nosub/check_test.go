package nosub

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	. "github.com/skiffproject/skiff/test/harness"
)

type checkFinding struct {
	Check, Severity, Problem, Impact, Fix, Who string
	Repaired                                   bool
}

type checkReport struct {
	Host, Store []checkFinding
	CDIDevices  []string
}

func systemCheck(t *testing.T, args ...string) (checkReport, Result) {
	t.Helper()
	r := Run(t, append(args, "system", "check", "--format", "json")...)
	var rep checkReport
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("system check --format json: %v\n%s", err, r)
	}
	return rep, r
}

func checks(fs []checkFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Check)
	}
	return out
}

// On this login-node-like host (no subordinate IDs, XDG_RUNTIME_DIR unset) system check names what is
// degraded, each with a fix, and exits 1; an orphaned layer the test plants is found, --repair removes
// it, and the store check is then clean.
func TestSystemCheck(t *testing.T) {
	if os.Getenv("XDG_RUNTIME_DIR") != "" {
		t.Fatalf("test/nosub runs with XDG_RUNTIME_DIR unset (hack/test-e2e.sh), got %s", os.Getenv("XDG_RUNTIME_DIR"))
	}
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)

	rep, r := systemCheck(t, g...)
	if r.Code != 1 {
		t.Fatalf("want exit 1 with findings\n%s", r)
	}
	want := []string{"subids", "xdg_runtime_dir"}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type != unix.CGROUP2_SUPER_MAGIC {
		want = append(want, "cgroups") // v1 or hybrid here: no limits for rootless containers
	}
	for _, w := range want {
		if !slices.Contains(checks(rep.Host), w) {
			t.Errorf("host findings %v lack %s\n%s", checks(rep.Host), w, r.Stdout)
		}
	}
	for _, f := range rep.Host {
		if f.Fix == "" || f.Impact == "" {
			t.Errorf("finding without impact or fix: %+v", f)
		}
		if f.Check == "subids" && !strings.Contains(f.Fix, "usermod --add-subuids") {
			t.Errorf("subids fix = %q", f.Fix)
		}
	}
	if len(rep.Store) != 0 {
		t.Fatalf("fresh store has findings: %+v", rep.Store)
	}
	text := Run(t, append(g, "system", "check")...)
	if text.Code != 1 || !strings.Contains(text.Stdout, "fix (admin): usermod") || !strings.Contains(text.Stdout, "store: no problems found") {
		t.Fatalf("text report:\n%s", text)
	}

	// Plant orphans: drop the image record, so its layers are used by nothing.
	root := g[1]
	records, _ := filepath.Glob(filepath.Join(root, "*-images", "images.json"))
	if len(records) != 1 {
		t.Fatalf("images.json under %s: %v", root, records)
	}
	if err := os.WriteFile(records[0], []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Younger than --max (24h by default): maybe a pull in progress, not reported.
	if rep, r := systemCheck(t, g...); len(rep.Store) != 0 {
		t.Fatalf("fresh unreferenced layers reported without --max 0:\n%s", r)
	}
	out := Run(t, append(g, "system", "check", "--max", "0", "--format", "json")...)
	if out.Code != 1 {
		t.Fatalf("want exit 1\n%s", out)
	}
	if err := json.Unmarshal([]byte(out.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if got := checks(rep.Store); len(got) == 0 || slices.ContainsFunc(got, func(c string) bool { return c != "store-layer" }) {
		t.Fatalf("store findings %v, want the orphaned layer\n%s", got, out.Stdout)
	}
	if !strings.Contains(rep.Store[0].Problem, "not used by any image or container") && !strings.Contains(rep.Store[0].Impact, "no image or container uses it") {
		t.Fatalf("orphan finding: %+v", rep.Store[0])
	}

	fixed := Run(t, append(g, "system", "check", "--max", "0", "--repair", "--format", "json")...)
	if err := json.Unmarshal([]byte(fixed.Stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, fixed)
	}
	for _, f := range rep.Store {
		if !f.Repaired {
			t.Fatalf("--repair left %+v\n%s", f, fixed)
		}
	}
	after := Run(t, append(g, "system", "check", "--max", "0", "--format", "json")...)
	if err := json.Unmarshal([]byte(after.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Store) != 0 {
		t.Fatalf("store check after --repair: %+v", rep.Store)
	}
	// The repaired store still works.
	Must(t, append(g, "run", "--rm", Busybox, "true")...)
}

// A store that cannot be opened is a finding of its own: system check still reports the host.
func TestSystemCheckStoreUnavailable(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(bad, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, r := systemCheck(t, "--root", filepath.Join(bad, "root"), "--runroot", filepath.Join(bad, "run"))
	if r.Code != 1 {
		t.Fatalf("want exit 1\n%s", r)
	}
	if len(rep.Store) != 1 || rep.Store[0].Check != "store" || rep.Store[0].Severity != "blocker" {
		t.Fatalf("store findings %+v, want one blocker saying the store cannot be opened\n%s", rep.Store, r)
	}
	if !slices.Contains(checks(rep.Host), "subids") {
		t.Fatalf("host findings %v lack subids", checks(rep.Host))
	}
}
