package proc

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestRecord(t *testing.T) {
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	rec, err := Identify("sleep", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Alive() {
		t.Fatal("a running process is not alive")
	}
	// Another start time is another process: never signalled.
	other := rec
	other.Start++
	if other.Alive() {
		t.Error("a record with the wrong start time matches")
	}
	if err := other.Stop(time.Second); err != nil {
		t.Error(err)
	}
	if !rec.Alive() {
		t.Fatal("Stop of a mismatched record stopped the process")
	}
	if err := rec.Stop(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if rec.Alive() {
		t.Error("still alive after Stop")
	}
	if err := rec.Stop(time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	f, err := OpenPID("self", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if Exited(f, 0) {
		t.Error("this process has exited")
	}
	f.Close()
}

func TestStartTimeParse(t *testing.T) {
	st, err := StartTime(os.Getpid())
	if err != nil || st == 0 {
		t.Fatalf("StartTime(self) = %d, %v", st, err)
	}
	if _, err := StartTime(1 << 30); err == nil {
		t.Error("StartTime of a missing PID")
	}
}

func TestStatOfThisProcess(t *testing.T) {
	comm, f, err := Stat(os.Getpid())
	if err != nil || len(f) < 20 {
		t.Fatalf("Stat(self) = %q, %d fields, %v", comm, len(f), err)
	}
	want, _ := os.ReadFile("/proc/self/comm")
	if comm != strings.TrimSpace(string(want)) {
		t.Errorf("command name %q, want %q", comm, strings.TrimSpace(string(want)))
	}
	if got := ParentPID(os.Getpid()); got != os.Getppid() {
		t.Errorf("ParentPID = %d, want %d", got, os.Getppid())
	}
	if st, err := StartTime(os.Getpid()); err != nil || st == 0 || LiveStartTime(os.Getpid()) != st {
		t.Errorf("StartTime = %d, %v; LiveStartTime = %d", st, err, LiveStartTime(os.Getpid()))
	}
	if LiveStartTime(0) != 0 || ParentPID(-1) != 0 {
		t.Error("no process: want 0")
	}
}

func TestIdentity(t *testing.T) {
	// A child that has exited but is not reaped yet is a zombie: its PID and start time still read, and
	// it must not count as alive.
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = zombie.Wait() })
	for LiveStartTime(zombie.Process.Pid) != 0 {
		time.Sleep(5 * time.Millisecond)
	}
	zstart, err := StartTime(zombie.Process.Pid)
	if err != nil {
		t.Fatalf("start time of the zombie: %v", err)
	}
	self := Self()
	for _, tc := range []struct {
		name  string
		id    Identity
		alive bool
	}{
		{"this process", self, true},
		{"another start time", Identity{PID: self.PID, Start: self.Start + 1}, false},
		{"no start time", Identity{PID: self.PID}, false},
		{"no PID", Identity{Start: self.Start}, false},
		{"a missing PID", Identity{PID: 1 << 30, Start: 1}, false},
		{"a zombie", Identity{PID: zombie.Process.Pid, Start: zstart}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.id.Alive(); got != tc.alive {
				t.Errorf("Alive() = %v, want %v", got, tc.alive)
			}
			f, err := tc.id.Open()
			if err != nil {
				t.Fatal(err)
			}
			if (f != nil) != tc.alive {
				t.Errorf("Open() = %v, want a pidfd: %v", f, tc.alive)
			}
			if f != nil {
				f.Close()
			}
			if !tc.alive {
				if err := tc.id.Signal(0); !errors.Is(err, ErrGone) {
					t.Errorf("Signal() = %v, want ErrGone", err)
				}
			}
		})
	}
	if err := self.Signal(0); err != nil {
		t.Errorf("signal 0 to this process: %v", err)
	}
}
