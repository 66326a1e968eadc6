package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containers/storage"
	"github.com/containers/storage/pkg/reexec"
	stypes "github.com/containers/storage/types"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// newEngine opens a fresh vfs store in a temporary directory, with locks there too.
func newEngine(t *testing.T) *Engine {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("requires root: a vfs store outside the user namespace (the end-to-end tests cover the rootless path)")
	}
	dir := t.TempDir()
	store, err := storage.GetStore(stypes.StoreOptions{
		GraphRoot: filepath.Join(dir, "graph"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs",
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return New(store, EngineOptions{StateDir: filepath.Join(dir, "state")})
}

// addContainer creates a storage container without an image and, unless record is nil, its record.
func addContainer(t *testing.T, e *Engine, id, name string, st *State) *Container {
	t.Helper()
	sc, err := e.store.CreateContainer(id, []string{name}, "", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ContainerDirectory(sc.ID); err != nil {
		t.Fatal(err)
	}
	c := &Container{ID: sc.ID, Config: Config{Name: name, Cmd: []string{"true"}, Created: time.Now()}, Storage: sc}
	if st != nil {
		c.State = *st
		if err := e.save(c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestLookup(t *testing.T) {
	e := newEngine(t)
	a := addContainer(t, e, "aaaa1"+strings.Repeat("0", 59), "alpha", &State{Status: StatusCreated})
	addContainer(t, e, "aaaa2"+strings.Repeat("0", 59), "beta", &State{Status: StatusCreated})
	addContainer(t, e, "bbbb"+strings.Repeat("0", 60), "gamma", nil)
	tests := []struct {
		in      string
		wantID  string
		wantErr error
	}{
		{a.ID, a.ID, nil},
		{"alpha", a.ID, nil},
		{"aaaa1", a.ID, nil},
		{"aaaa", "", ErrAmbiguous},
		{"zzzz", "", ErrNoSuchContainer},
		{"", "", ErrNoSuchContainer},
	}
	for _, tt := range tests {
		c, err := e.Get(tt.in)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Get(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.ID != tt.wantID {
			t.Errorf("Get(%q) = %v, %v; want %s", tt.in, c, err, tt.wantID)
		}
	}
	if _, err := e.Get("zzzz"); !errors.Is(err, storage.ErrContainerUnknown) {
		t.Errorf("a miss must also match storage.ErrContainerUnknown (inspect's dispatcher relies on it): %v", err)
	}
	// A storage container without a record (a killed create) is listed as created and removable.
	c, err := e.Get("gamma")
	if err != nil || !c.Incomplete || c.State.Status != StatusCreated {
		t.Fatalf("Get(gamma) = %+v, %v; want an incomplete created container", c, err)
	}
	all, err := e.All()
	if err != nil || len(all) != 3 {
		t.Fatalf("All = %d containers, %v; want 3", len(all), err)
	}
	if err := e.Remove(context.Background(), "gamma", RemoveOptions{}); err != nil {
		t.Fatalf("remove an incomplete container: %v", err)
	}
	if _, err := e.Get("gamma"); !errors.Is(err, ErrNoSuchContainer) {
		t.Errorf("gamma still there after rm: %v", err)
	}
}

func TestRecordAtomic(t *testing.T) {
	e := newEngine(t)
	c := addContainer(t, e, "", "atomic", &State{Status: StatusCreated})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			c.Config.Env = make([]string, i%50) // records of changing length
			c.State.RestartCount = i
			if err := e.save(c); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	path := filepath.Join(e.dir(c.ID), recordFile)
	for i := 0; i < 2000; i++ {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var got Container
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("read %d: torn record: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
	entries, _ := os.ReadDir(e.dir(c.ID))
	for _, en := range entries {
		if en.Name() != recordFile {
			t.Errorf("left in the container directory: %s", en.Name())
		}
	}
}

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestRepair(t *testing.T) {
	self, selfStart := os.Getpid(), startTime(os.Getpid())
	dead := deadPID(t)
	started := time.Now().Add(-time.Minute)
	tests := []struct {
		name     string
		state    State
		exitFile string // "" = none; TOKEN CODE TIME
		want     string
		wantCode int
		wantErr  string
	}{
		{"exit recorded by the monitor", State{Status: StatusRunning, Token: "t1", Pid: self, PidStart: selfStart, StartedAt: started},
			"t1 3 1795380661670837772", StatusExited, 3, ""},
		{"exit file of an earlier run", State{Status: StatusRunning, Token: "t2", Pid: self, PidStart: selfStart, StartedAt: started},
			"t1 3 1795380661670837772", StatusRunning, 0, ""},
		{"recycled PID", State{Status: StatusRunning, Token: "t3", Pid: self, PidStart: selfStart + 1, MonitorPid: dead, MonStart: 1, StartedAt: started},
			"", StatusExited, exitUnknown, "monitor died"},
		{"monitor and container gone", State{Status: StatusStopping, Token: "t4", Pid: dead, PidStart: 1, MonitorPid: dead, MonStart: 1, StartedAt: started},
			"", StatusExited, exitUnknown, "monitor died"},
		{"reboot", State{Status: StatusRunning, Token: "t5", Pid: self, PidStart: selfStart, BootID: "another-boot", StartedAt: started},
			"", StatusExited, exitUnknown, "rebooted"},
		{"start killed after mounting", State{Status: StatusCreated, Token: "t6", Mounted: true},
			"", StatusCreated, 0, ""},
		{"never started", State{Status: StatusCreated}, "", StatusCreated, 0, ""},
	}
	e := newEngine(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := addContainer(t, e, "", fmt.Sprintf("repair%d", i), &tt.state)
			if tt.exitFile != "" {
				os.WriteFile(e.exitPath(c.ID), []byte(tt.exitFile+"\n"), 0o600)
			}
			// Readers see the corrected state without writing it.
			got, err := e.Get(c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State.Status != tt.want || got.State.ExitCode != tt.wantCode || !strings.Contains(got.State.Error, tt.wantErr) {
				t.Errorf("observed %+v, want %s (%d) %q", got.State, tt.want, tt.wantCode, tt.wantErr)
			}
			if raw, _ := e.readRecord(c.ID); raw.State.Status != tt.state.Status {
				t.Errorf("a read changed the record to %s", raw.State.Status)
			}
			// A command that takes the lock repairs and saves it, and undoes a half-done start.
			r, l, err := e.lockedGet(context.Background(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			l.unlock()
			saved, _ := e.readRecord(c.ID)
			if saved.State.Status != tt.want || saved.State.ExitCode != tt.wantCode {
				t.Errorf("repaired record %+v, want %s (%d)", saved.State, tt.want, tt.wantCode)
			}
			if r.State.Mounted || (tt.want == StatusExited && (r.State.Pid != 0 || r.State.RuntimeCreated)) {
				t.Errorf("repair left %+v", r.State)
			}
		})
	}
}

func TestLockSerializes(t *testing.T) {
	e := newEngine(t)
	c := addContainer(t, e, "", "locked", &State{Status: StatusCreated})
	l, err := e.lockID(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		l2, err := e.lockID(c.ID)
		if err == nil {
			l2.unlock()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a second holder took the lock")
	case <-time.After(100 * time.Millisecond):
	}
	l.unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the lock was not released")
	}
}
