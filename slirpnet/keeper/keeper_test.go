package keeper

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiffproject/skiff/proc"
)

// The test binary, re-executed as the keeper (command's fallback), serves as one.
func TestMain(m *testing.M) {
	if os.Args[0] == Argv0 {
		if err := Serve(os.Args); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", Argv0, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The keeper runs from its own executable next to skiff's when one is there, else from skiff itself.
func TestCommandPrefersTheHelperExecutable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(filepath.Dir(self), Binary)
	if _, err := os.Stat(helper); err == nil {
		t.Fatalf("%s exists before the test", helper)
	}
	if cmd := command("{}"); cmd.Path == helper || cmd.Args[0] != Argv0 {
		t.Errorf("without %s: command %s %v, want skiff re-executed as %s", Binary, cmd.Path, cmd.Args, Argv0)
	}
	if err := os.WriteFile(helper, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(helper) })
	cmd := command(`{"dir":"/x"}`)
	if cmd.Path != helper || len(cmd.Args) != 2 || cmd.Args[0] != Argv0 || cmd.Args[1] != `{"dir":"/x"}` {
		t.Errorf("with %s: command %s %v, want it with argv0 %s and the configuration", Binary, cmd.Path, cmd.Args, Argv0)
	}
}

// sleeper starts a process that stands for a container's init or a network helper; its exit (and the
// signal that caused it) arrives on the returned channel.
func sleeper(t *testing.T) (*exec.Cmd, *os.File, chan error) {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidfd, err := proc.OpenPID("sleep", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		pidfd.Close()
	})
	return cmd, pidfd, done
}

// The keeper process (the test binary re-executed as it): how it ends, and what it does to the helpers
// it was given.
func TestKeeperLifecycle(t *testing.T) {
	tests := []struct {
		name string
		// end ends the container (kills its init) or signals the keeper.
		end             func(init, keeper *os.Process) error
		wantHelperEnded bool
		wantLog         string
	}{
		{
			name:            "the container's init exits: the keeper stops the helpers and ends",
			end:             func(init, _ *os.Process) error { return init.Kill() },
			wantHelperEnded: true,
			wantLog:         Argv0 + ": container exited, stopped helper",
		},
		{
			name:            "SIGTERM: the keeper ends and leaves the helpers to its caller",
			end:             func(_, keeper *os.Process) error { return keeper.Signal(syscall.SIGTERM) },
			wantHelperEnded: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			initCmd, initFD, _ := sleeper(t)
			_, helperFD, helperDone := sleeper(t)
			netns, err := os.Open("/proc/self/ns/net")
			if err != nil {
				t.Fatal(err)
			}
			defer netns.Close()
			port := freeUDPPort(t)
			cfg := Config{Dir: dir, Helpers: []string{"helper"},
				UDPLoopback: []Forward{{Proto: "udp", HostIP: "127.0.0.1", HostPort: port, ChildPort: 53}}}
			cmd, err := Start(cfg, initFD, netns, []*os.File{helperFD})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			keeperFD, err := proc.OpenPID("keeper", cmd.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			defer keeperFD.Close()
			t.Cleanup(func() { cmd.Process.Kill() })
			// Once Start returns, the keeper serves its port.
			if c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err == nil {
				c.Close()
				t.Errorf("127.0.0.1:%d/udp is free after Start: the keeper does not serve it", port)
			}
			if err := tt.end(initCmd.Process, cmd.Process); err != nil {
				t.Fatal(err)
			}
			if !proc.Exited(keeperFD, 10*time.Second) {
				t.Fatal("the keeper is still running 10s later")
			}
			select {
			case err := <-helperDone:
				if !tt.wantHelperEnded {
					t.Errorf("the helper ended (%v), want it left running", err)
				} else if !strings.Contains(fmt.Sprint(err), "terminated") {
					t.Errorf("the helper ended with %v, want SIGTERM", err)
				}
			case <-time.After(500 * time.Millisecond):
				if tt.wantHelperEnded {
					t.Error("the helper still runs after the container exited")
				}
			}
			log, _ := os.ReadFile(filepath.Join(dir, LogFile))
			if tt.wantLog != "" && !strings.Contains(string(log), tt.wantLog) {
				t.Errorf("the keeper's log %q lacks %q", log, tt.wantLog)
			}
		})
	}
}

// Start fails, saying why, when the keeper cannot serve every port; no keeper is left running.
func TestStartRefused(t *testing.T) {
	taken, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.LocalAddr().(*net.UDPAddr).Port
	_, initFD, _ := sleeper(t)
	netns, err := os.Open("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer netns.Close()
	dir := t.TempDir()
	_, err = Start(Config{Dir: dir, UDPLoopback: []Forward{{Proto: "udp", HostIP: "127.0.0.1", HostPort: port, ChildPort: 53}}}, initFD, netns, nil)
	want := fmt.Sprintf("publish 127.0.0.1:%d/udp", port)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start on a taken port = %v, want %q and address already in use", err, want)
	}
	log, _ := os.ReadFile(filepath.Join(dir, LogFile))
	if !strings.Contains(string(log), Argv0+": "+want) {
		t.Errorf("the keeper's log %q lacks its error", log)
	}
}

// The configuration comes as argv[1]; without one, or unreadable, the keeper refuses to start.
func TestServeConfiguration(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{Argv0}, "missing configuration"},
		{[]string{Argv0, "{not json"}, "parse configuration"},
	}
	for _, tt := range tests {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		err = serve(w, tt.args)
		w.Close()
		r.Close()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve(%q) = %v, want %q", tt.args, err, tt.want)
		}
	}
}
