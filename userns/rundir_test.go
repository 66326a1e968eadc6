package userns

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestRuntimeDirFor(t *testing.T) {
	uid := os.Geteuid()
	base := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(base, rel)
		if err := os.MkdirAll(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	xdg := mk("xdg", 0o755)
	runUser := mk("run-user", 0o755)
	own0700 := mk("run-user/"+itoa(uid), 0o700)
	loose := mk("loose-run-user/"+itoa(uid), 0o755)
	tmp := mk("tmp", 0o1777)

	tests := []struct {
		name, xdg, runUser, tmpdir, want string
	}{
		{"owned XDG_RUNTIME_DIR wins", xdg, runUser, tmp, xdg},
		{"missing XDG_RUNTIME_DIR: /run/user/UID owned and 0700", filepath.Join(base, "nope"), runUser, tmp, own0700},
		{"relative XDG_RUNTIME_DIR is ignored", "xdg", runUser, tmp, own0700},
		{"unset XDG_RUNTIME_DIR", "", runUser, tmp, own0700},
		{"/run/user/UID not 0700: fall back to TMPDIR", "", filepath.Dir(loose), tmp, filepath.Join(tmp, "skiff-run-"+itoa(uid))},
		{"no TMPDIR: /tmp", "", filepath.Join(base, "none"), "", "/tmp/skiff-run-" + itoa(uid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runtimeDirFor(tt.xdg, tt.runUser, tt.tmpdir, uid)
			if err != nil || got != tt.want {
				t.Errorf("runtimeDirFor(%q, %q, %q) = %q, %v; want %q", tt.xdg, tt.runUser, tt.tmpdir, got, err, tt.want)
			}
		})
	}
	// A directory owned by someone else is never used, even if XDG_RUNTIME_DIR names it.
	if got, _ := runtimeDirFor(xdg, runUser, tmp, uid+1); got == xdg {
		t.Errorf("runtimeDirFor used %s for a uid that does not own it", xdg)
	}
}

func TestPausePIDValid(t *testing.T) {
	// This test process is not a pause process: its cmdline differs.
	if pausePIDValid(os.Getpid(), os.Geteuid()) {
		t.Error("pausePIDValid accepted a process that is not a pause process")
	}
	if pausePIDValid(0, os.Geteuid()) || pausePIDValid(-1, os.Geteuid()) {
		t.Error("pausePIDValid accepted a non-positive PID")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
