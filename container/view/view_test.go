package view

import (
	"testing"
	"time"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/slirpnet"
)

func TestPortsColumnOfContainer(t *testing.T) {
	c := &container.Container{Config: container.Config{Network: netwire.Config{
		Mode:    "slirp4netns",
		Ports:   []slirpnet.PortMapping{{HostIP: "127.0.0.1", HostPort: 18080, ContainerPort: 80, Protocol: "tcp", Range: 1}, {ContainerPort: 53, Protocol: "udp", Range: 1}},
		Exposed: map[string]struct{}{"9000/tcp": {}},
	}}}
	// Not started: the random port is not known yet, so its container port shows as exposed.
	if got, want := portsColumn(c), "127.0.0.1:18080->80/tcp, 9000/tcp, 53/udp"; got != want {
		t.Errorf("created: PORTS = %q, want %q", got, want)
	}
	c.State.Ports = "127.0.0.1:18080:80/tcp,0.0.0.0:40000:53/udp"
	if got, want := portsColumn(c), "0.0.0.0:40000->53/udp, 127.0.0.1:18080->80/tcp, 9000/tcp"; got != want {
		t.Errorf("running: PORTS = %q, want %q", got, want)
	}
}

func TestStatusText(t *testing.T) {
	now := time.Now()
	tests := []struct {
		s    container.State
		want string
	}{
		{container.State{Status: container.StatusRunning, StartedAt: now.Add(-3 * time.Second)}, "Up 3 seconds"},
		{container.State{Status: container.StatusExited, ExitCode: 137, FinishedAt: now.Add(-2 * time.Second)}, "Exited (137) 2 seconds ago"},
		{container.State{Status: container.StatusCreated}, "Created"},
		{container.State{Status: container.StatusStopping}, "Stopping"},
	}
	for _, tt := range tests {
		if got := StatusText(&tt.s, now); got != tt.want {
			t.Errorf("StatusText(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestRestartPolicyFilterAndInspect(t *testing.T) {
	fn, err := restartPolicyFilter("on-failure")
	if err != nil {
		t.Fatal(err)
	}
	for policy, want := range map[string]bool{"on-failure": true, "on-failure:3": true, "always": false, "no": false} {
		if got := fn(&container.Container{Config: container.Config{RestartPolicy: policy}}); got != want {
			t.Errorf("restart-policy=on-failure on %q: %v, want %v", policy, got, want)
		}
	}
	for _, bad := range []string{"on-failure:3", "sometimes"} {
		if _, err := restartPolicyFilter(bad); err == nil {
			t.Errorf("restart-policy=%s: no error", bad)
		}
	}
	if got := inspectRestart("on-failure:3"); got != (InspectRestart{Name: "on-failure", MaximumRetryCount: 3}) {
		t.Errorf("inspectRestart(on-failure:3) = %+v", got)
	}
	if got := inspectRestart("always"); got != (InspectRestart{Name: "always"}) {
		t.Errorf("inspectRestart(always) = %+v", got)
	}
}
