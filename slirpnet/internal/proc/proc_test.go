package proc

import (
	"os"
	"os/exec"
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
