package nosub

import (
	"encoding/json"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15: without a systemd user manager (this user has none), the container's monitor schedules
// its health checks: the first right after the start, then an interval after each run.
func TestNosubHealthcheckByMonitor(t *testing.T) {
	name := Name(t)
	Must(t, "run", "-d", "--name", name, "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "2", Busybox, "sleep", "300")
	t.Cleanup(func() { Run(t, "rm", "-f", name) })
	var s struct {
		StartedAt time.Time
		Health    struct {
			Status string
			Log    []struct{ Start time.Time }
		}
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err := json.Unmarshal([]byte(Must(t, "inspect", "--format", "{{json .State}}", name)), &s); err != nil {
			t.Fatal(err)
		}
		if s.Health.Status == "unhealthy" {
			break
		}
	}
	if s.Health.Status != "unhealthy" || len(s.Health.Log) != 2 {
		t.Fatalf("a failing check every second, 2 retries: %+v", s.Health)
	}
	if d := s.Health.Log[0].Start.Sub(s.StartedAt); d > 1500*time.Millisecond {
		t.Fatalf("the first check ran %v after the start, want right away", d)
	}
	if d := s.Health.Log[1].Start.Sub(s.Health.Log[0].Start); d < 900*time.Millisecond {
		t.Fatalf("two checks %v apart, want the 1s interval", d)
	}
}
