package proc

import (
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
