package container

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/systemd"
	"github.com/skiffproject/skiff/systemd/notify"
)

func TestRestartDelay(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		restarts int
		ran      time.Duration
		want     time.Duration
	}{
		{0, time.Second, 100 * time.Millisecond},
		{1, time.Second, 200 * time.Millisecond},
		{3, time.Second, 800 * time.Millisecond},
		{9, time.Second, 51200 * time.Millisecond},
		{10, time.Second, time.Minute},
		{1000, time.Second, time.Minute},
		{1000, 10 * time.Second, 100 * time.Millisecond},
	} {
		s := State{RestartCount: tc.restarts, StartedAt: now, FinishedAt: now.Add(tc.ran)}
		if got := restartDelay(s); got != tc.want {
			t.Errorf("restartDelay(%d restarts, ran %s) = %s, want %s", tc.restarts, tc.ran, got, tc.want)
		}
	}
}

func TestSystemdConfig(t *testing.T) {
	for _, tc := range []struct {
		o       CreateOptions
		restart string
		err     string
	}{
		{CreateOptions{}, "no", ""},
		{CreateOptions{Restart: systemd.RestartPolicy{Name: "on-failure", MaxRetries: 2}, SdNotify: "container"}, "on-failure:2", ""},
		{CreateOptions{Restart: systemd.RestartPolicy{Name: "always"}, AutoRemove: true}, "", "the --rm option conflicts with --restart=always"},
		{CreateOptions{Restart: systemd.RestartPolicy{Name: "no"}, AutoRemove: true}, "no", ""},
	} {
		restart, _, err := systemdConfig(&tc.o)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: error %v, want %q", tc.o, err, tc.err)
			}
			continue
		}
		if err != nil || restart != tc.restart {
			t.Errorf("%+v: %q %v, want %q", tc.o, restart, err, tc.restart)
		}
	}
}

func TestNotifySpec(t *testing.T) {
	base := []string{"PATH=/bin", "NOTIFY_SOCKET=/leaked"}
	for _, tc := range []struct {
		mode, socket string
		wantEnv      string // the NOTIFY_SOCKET entry, "" for none
		wantMount    string // the bound host directory, "" for none
	}{
		{"", "", "", ""},
		{"", "/run/user/1/systemd/notify", "", ""}, // conmon: skiff notifies
		{notify.ModeIgnore, "/run/user/1/systemd/notify", "", ""},
		{notify.ModeContainer, "", "", ""},
		{notify.ModeContainer, "/run/user/1/systemd/notify", "NOTIFY_SOCKET=/run/notify/notify", "/run/user/1/systemd"},
		{notify.ModeContainer, "@abstract", "NOTIFY_SOCKET=@abstract", ""},
	} {
		e := &Engine{opts: EngineOptions{NotifySocket: tc.socket}}
		c := &Container{Config: Config{SdNotify: tc.mode}}
		o := spec.Options{Env: append([]string{}, base...)}
		e.notifySpec(c, &o)
		var env string
		for _, kv := range o.Env {
			if strings.HasPrefix(kv, "NOTIFY_SOCKET=") {
				env = kv
			}
		}
		var mount string
		for _, m := range o.Mounts {
			if m.Destination == notify.ContainerDir {
				mount = m.Source
			}
		}
		if env != tc.wantEnv || mount != tc.wantMount {
			t.Errorf("mode %q socket %q: env %q mount %q, want %q %q", tc.mode, tc.socket, env, mount, tc.wantEnv, tc.wantMount)
		}
	}
}

func TestNotifyMode(t *testing.T) {
	for _, tc := range []struct{ recorded, socket, want string }{
		{"", "", notify.ModeIgnore},
		{"", "/n", notify.ModeConmon},
		{notify.ModeContainer, "/n", notify.ModeContainer},
		{notify.ModeIgnore, "/n", notify.ModeIgnore},
	} {
		e := &Engine{opts: EngineOptions{NotifySocket: tc.socket}}
		if got := e.notifyMode(&Container{Config: Config{SdNotify: tc.recorded}}); got != tc.want {
			t.Errorf("notifyMode(%q, socket %q) = %q, want %q", tc.recorded, tc.socket, got, tc.want)
		}
	}
}

// TestCleanupPolicy runs the clean-up on recorded exits: its exit code is the run's, and the policy
// decides about a restart unless the user stopped the run.
func TestCleanupPolicy(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	exited := func(name, policy string, code, restarts int) *Container {
		c := addContainer(t, e, "", name, &State{Status: StatusExited, Token: "tok-" + name, ExitCode: code, RestartCount: restarts,
			StartedAt: time.Now().Add(-time.Second), FinishedAt: time.Now()})
		c.Config.RestartPolicy = policy
		if err := e.save(c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name, policy  string
		code, retries int
		stopped       bool
		restart       bool
		wantCode      int // what `container cleanup` exits with
	}{
		{"no-policy", "no", 1, 0, false, false, 1},
		{"on-failure-first", "on-failure:2", 1, 0, false, true, 1},
		{"on-failure-last", "on-failure:2", 1, 1, false, true, 1},
		{"on-failure-spent", "on-failure:2", 1, 2, false, false, 1},
		{"on-failure-success", "on-failure", 0, 0, false, false, 0},
		{"always-zero", "always", 0, 5, false, true, 0},
		{"always-stopped", "always", 143, 0, true, false, 0},
		{"unless-stopped", "unless-stopped", 137, 0, false, true, 137},
	} {
		c := exited(tc.name, tc.policy, tc.code, tc.retries)
		if tc.stopped {
			e.markStopped(c)
		}
		code, restart, err := e.finishRun(ctx, c.ID, c.State.Token)
		if err != nil || code != tc.wantCode || restart != tc.restart {
			t.Errorf("%s: code %d restart %v err %v, want %d %v", tc.name, code, restart, err, tc.wantCode, tc.restart)
		}
		// A stale token changes nothing.
		if _, restart, _ := e.finishRun(ctx, c.ID, "other"); restart {
			t.Errorf("%s: a stale token restarts", tc.name)
		}
	}

	// The exit file, written by the monitor before the clean-up runs, gives the code.
	c := exited("exit-file", "no", 0, 0)
	if err := os.WriteFile(e.exitPath(c.ID), []byte(c.State.Token+" 42 1000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, err := e.finishRun(ctx, c.ID, c.State.Token); err != nil || code != 42 {
		t.Errorf("exit file: code %d err %v, want 42", code, err)
	}

	// An --rm container is removed and never restarted.
	c = exited("autoremove", "no", 3, 0)
	c.Config.AutoRemove = true
	if err := e.save(c); err != nil {
		t.Fatal(err)
	}
	if code, err := e.Cleanup(ctx, c.ID, c.State.Token); err != nil || code != 3 {
		t.Errorf("autoremove: code %d err %v", code, err)
	}
	if _, err := e.Get(c.ID); !errors.Is(err, ErrNoSuchContainer) {
		t.Errorf("autoremove: still there: %v", err)
	}
}
