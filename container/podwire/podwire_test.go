package podwire

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
)

func TestMember(t *testing.T) {
	all := &Config{ID: "pod", Name: "p", InfraID: "infra", Share: []string{"ipc", "net", "pid", "uts"}}
	ipcOnly := &Config{ID: "pod", Name: "p", InfraID: "infra", Share: []string{"ipc"}}
	infra := Infra{ID: "infra", Hostname: "podhost"}
	port := slirpnet.PortMapping{HostPort: 80, ContainerPort: 80, Protocol: "tcp", Range: 1}
	for _, tc := range []struct {
		name     string
		pod      *Config
		net      netwire.Options
		hostname string
		ownNS    bool
		wantHost string
		wantErr  error
		errText  string
	}{
		{name: "joins everything", pod: all, wantHost: "podhost"},
		{name: "own network", pod: all, net: netwire.Options{Mode: slirpnet.Mode{Kind: slirpnet.Host}}, wantErr: ErrNetworkOnPodContainer},
		{name: "own ports", pod: all, net: netwire.Options{Ports: []slirpnet.PortMapping{port}}, wantErr: ErrNetworkOnPodContainer},
		{name: "own dns", pod: all, net: netwire.Options{DNS: []string{"1.1.1.1"}}, wantErr: ErrNetworkOnPodContainer},
		{name: "own hostname", pod: all, hostname: "x", errText: "cannot set hostname"},
		{name: "own user namespace", pod: all, ownNS: true, errText: "--userns"},
		{name: "ipc only keeps its network", pod: ipcOnly, net: netwire.Options{Ports: []slirpnet.PortMapping{port}}, hostname: "x"},
	} {
		n := tc.net
		host, err := Member(tc.pod, infra, MemberRequest{Network: &n, Hostname: tc.hostname, OwnUserNS: tc.ownNS})
		switch {
		case tc.wantErr != nil || tc.errText != "":
			if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) || !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("%s: error %v, want %v %q", tc.name, err, tc.wantErr, tc.errText)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case host != tc.wantHost:
			t.Errorf("%s: hostname %q, want %q", tc.name, host, tc.wantHost)
		case tc.pod.Shares("net") && (n.Mode.Kind != slirpnet.Container || n.Mode.Target != "infra"):
			t.Errorf("%s: network mode %v, want container:infra", tc.name, n.Mode)
		}
	}
}

func TestMemberSpec(t *testing.T) {
	p := &Config{InfraID: "infra", Share: []string{"ipc", "pid"}}
	var o spec.Options
	MemberSpec(p, Infra{ID: "infra", Pid: 42, RunDir: t.TempDir()}, &o)
	if o.Namespaces.IPC != "/proc/42/ns/ipc" || o.Namespaces.PID != "/proc/42/ns/pid" || o.Namespaces.UTS != "" || o.Namespaces.Net != "" {
		t.Errorf("namespaces = %+v", o.Namespaces)
	}
	if (&Config{Infra: true, InfraID: "x", Share: []string{"net"}}).Joins() || !p.Joins() || (*Config)(nil).Joins() {
		t.Error("Joins: an infra container joins nothing, a member with shares joins, no pod joins nothing")
	}
}
