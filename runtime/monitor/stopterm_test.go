package monitor

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// With StopOnTerm, SIGTERM to the monitor stops the container: SIGTERM to it, SIGKILL after the grace
// period when it ignores that, then the usual exit file and exit command.
func TestMonitorStopOnTerm(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       int
		maxWait    time.Duration
	}{
		{"exits on SIGTERM", "exec sleep 300", 128 + int(syscall.SIGTERM), 2 * time.Second},
		{"ignores SIGTERM", "trap '' TERM; while :; do sleep 0.05; done", 128 + int(syscall.SIGKILL), 4 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			grace := time.Second
			cfg := Config{
				ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Name: "test",
				Dir: dir, PIDFile: filepath.Join(dir, "pidfile"), ExitFile: filepath.Join(dir, "exit"), Token: "t1",
				LogDriver: LogNone, Runtime: fakeRuntime(t, dir, tt.body),
				ExitCommand: []string{"/bin/sh", "-c", "touch \"$0\"", filepath.Join(dir, "cleaned")},
				StopOnTerm:  &grace,
			}
			p, _, err := Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond) // let the shell set its trap
			start := time.Now()
			if err := syscall.Kill(p.MonitorPid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			waitFile(t, filepath.Join(dir, "cleaned"))
			if d := time.Since(start); d > tt.maxWait {
				t.Errorf("stopped after %s, want at most %s", d, tt.maxWait)
			}
			ex, err := ReadExitFile(cfg.ExitFile)
			if err != nil || ex.Code != tt.want {
				t.Fatalf("exit file = %+v, %v; want code %d", ex, err, tt.want)
			}
		})
	}
}
