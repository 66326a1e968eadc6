package system

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/containers/storage"
	"github.com/containers/storage/pkg/reexec"
	stypes "github.com/containers/storage/types"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	// c/storage may re-execute the test binary for its helpers (storage-untar and friends).
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// resetFixture is a user's installation in temporary directories: a vfs store with one container and a
// network record, and a state directory with the pause process's files and other state.
type resetFixture struct {
	store     storage.Store
	graphRoot string
	runRoot   string
	stateDir  string
}

func newResetFixture(t *testing.T) *resetFixture {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("requires root: the vfs test store chowns layer files (the e2e test TestSystemReset covers the rootless path)")
	}
	dir := t.TempDir()
	f := &resetFixture{graphRoot: filepath.Join(dir, "graph"), runRoot: filepath.Join(dir, "run"), stateDir: filepath.Join(dir, "state")}
	store, err := storage.GetStore(stypes.StoreOptions{GraphRoot: f.graphRoot, RunRoot: f.runRoot, GraphDriverName: "vfs"})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	f.store = store
	if _, err := store.CreateContainer("", []string{"web"}, "", "", "", nil); err != nil {
		t.Fatalf("create container: %v", err)
	}
	files := map[string]string{
		filepath.Join(f.graphRoot, "skiff/networks/app.json"): "{}",
		filepath.Join(f.stateDir, "pause.pid"):                "4242",
		filepath.Join(f.stateDir, "pause.lock"):               "",
		filepath.Join(f.stateDir, "containers/web/exit"):      "0",
		filepath.Join(f.stateDir, "events.log"):               "{}\n",
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// left lists what of the installation is still there.
func (f *resetFixture) left() []string {
	var out []string
	for _, p := range []string{f.graphRoot, f.runRoot, filepath.Join(f.stateDir, "containers"), filepath.Join(f.stateDir, "events.log"),
		filepath.Join(f.stateDir, "pause.pid"), filepath.Join(f.stateDir, "pause.lock")} {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, filepath.Base(p))
		}
	}
	return out
}

func TestReset(t *testing.T) {
	errSurvivor := errors.New("reset: processes [77] of the user's namespace survive SIGKILL")
	errBusy := errors.New("reset: unmount /x: device or resource busy")
	errPause := errors.New("stop pause process 4242: operation not permitted")
	everything := []string{"graph", "run", "containers", "events.log", "pause.pid", "pause.lock"}
	tests := []struct {
		name             string
		inside, rootless bool
		stopErr          error
		unmountErr       error
		pauseErr         error
		wantErr          error
		wantCalls        []string // the host's steps, in order
		wantLeft         []string
	}{
		{
			name:      "root, outside any user namespace",
			wantCalls: []string{"unmount"},
			wantLeft:  []string{"pause.pid", "pause.lock"},
		},
		{
			name: "rootless, inside the user's namespace", inside: true, rootless: true,
			wantCalls: []string{"stop all but [4242]", "unmount", "stop pause (files already gone)"},
			wantLeft:  []string{"pause.pid", "pause.lock"},
		},
		{
			name: "rootless, before any namespace exists", rootless: true,
			wantCalls: []string{"unmount", "stop pause (files already gone)"},
			wantLeft:  []string{"pause.pid", "pause.lock"},
		},
		{
			name: "a process of the namespace survives: nothing is removed", inside: true, rootless: true,
			stopErr: errSurvivor, wantErr: errSurvivor,
			wantCalls: []string{"stop all but [4242]"},
			wantLeft:  everything,
		},
		{
			name: "a mount cannot be detached: nothing is removed", inside: true, rootless: true,
			unmountErr: errBusy, wantErr: errBusy,
			wantCalls: []string{"stop all but [4242]", "unmount"},
			wantLeft:  everything,
		},
		{
			name: "the pause process cannot be stopped: the files are gone all the same", inside: true, rootless: true,
			pauseErr: errPause, wantErr: errPause,
			wantCalls: []string{"stop all but [4242]", "unmount", "stop pause (files already gone)"},
			wantLeft:  []string{"pause.pid", "pause.lock"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newResetFixture(t)
			var calls []string
			h := resetHost{
				inside: tt.inside, rootless: tt.rootless, stateDir: f.stateDir,
				pausePID: func() int { return 4242 },
				stopProcesses: func(keep []int, _ time.Duration) error {
					calls = append(calls, fmt.Sprint("stop all but ", keep))
					return tt.stopErr
				},
				unmountUnder: func(dirs ...string) error {
					calls = append(calls, "unmount")
					if want := []string{f.graphRoot, f.runRoot, f.stateDir}; !slices.Equal(dirs, want) {
						t.Errorf("unmountUnder(%v), want %v", dirs, want)
					}
					return tt.unmountErr
				},
				stopPause: func() error {
					if _, err := os.Stat(f.graphRoot); err == nil {
						calls = append(calls, "stop pause (files still there)")
					} else {
						calls = append(calls, "stop pause (files already gone)")
					}
					return tt.pauseErr
				},
			}
			err := reset(f.store, h)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("reset = %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("steps %q, want %q", calls, tt.wantCalls)
			}
			if got := f.left(); !slices.Equal(got, tt.wantLeft) {
				t.Errorf("left behind %q, want %q", got, tt.wantLeft)
			}
		})
	}
}

// A second reset finds nothing to remove and succeeds: reset is what a user runs to recover.
func TestResetTwice(t *testing.T) {
	f := newResetFixture(t)
	h := resetHost{stateDir: f.stateDir, pausePID: func() int { return 0 },
		stopProcesses: func([]int, time.Duration) error { return nil },
		unmountUnder:  func(...string) error { return nil }, stopPause: func() error { return nil }}
	if err := reset(f.store, h); err != nil {
		t.Fatal(err)
	}
	store, err := storage.GetStore(stypes.StoreOptions{GraphRoot: f.graphRoot, RunRoot: f.runRoot, GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	if ctrs, err := store.Containers(); err != nil || len(ctrs) != 0 {
		t.Errorf("after a reset the store has containers %v (%v)", ctrs, err)
	}
	if err := reset(store, h); err != nil {
		t.Errorf("second reset: %v", err)
	}
}

// The real helpers, on what a test may touch: its own process and a directory without mounts.
func TestResetHelpers(t *testing.T) {
	var own unix.Stat_t
	if err := unix.Stat("/proc/self/ns/user", &own); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pid  int
		ino  uint64
		want bool
	}{
		{"this process, in its own namespace", os.Getpid(), own.Ino, true},
		{"this process, another namespace", os.Getpid(), own.Ino + 1, false},
		{"no such process", 1 << 30, own.Ino, false},
	}
	for _, tt := range tests {
		if got := inNamespace(tt.pid, tt.ino); got != tt.want {
			t.Errorf("%s: inNamespace(%d, %d) = %v, want %v", tt.name, tt.pid, tt.ino, got, tt.want)
		}
	}
	if pids := listPIDs(); !slices.Contains(pids, os.Getpid()) {
		t.Errorf("listPIDs() lacks this process %d", os.Getpid())
	}
	if err := unmountUnder(t.TempDir()); err != nil {
		t.Errorf("unmountUnder(a directory without mounts) = %v", err)
	}
}
