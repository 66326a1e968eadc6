package api

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	devents "github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	dnetwork "github.com/docker/docker/api/types/network"

	"github.com/skiffproject/skiff/events"
)

func TestPullReference(t *testing.T) {
	tests := []struct {
		from, tag string
		want      string
		all, bad  bool
	}{
		{"localhost:5000/busybox", "1", "localhost:5000/busybox:1", false, false},
		{"localhost:5000/busybox", "", "localhost:5000/busybox", true, false},
		{"localhost:5000/busybox:2", "", "localhost:5000/busybox:2", false, false},
		{"busybox", "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false, false},
		{"localhost:5000/busybox:2", "3", "", false, true},
		{"Not/Valid", "1", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.from+"+"+tt.tag, func(t *testing.T) {
			got, all, err := pullReference(tt.from, tt.tag)
			if tt.bad {
				if !errors.Is(err, ErrBadParameter) {
					t.Fatalf("pullReference = %q, %v; want a bad parameter", got, err)
				}
				return
			}
			if err != nil || got != tt.want || all != tt.all {
				t.Fatalf("pullReference = %q, all %v, %v; want %q, all %v", got, all, err, tt.want, tt.all)
			}
		})
	}
}

func TestNetworkCreateOptions(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name   string
		req    dnetwork.CreateRequest
		subnet string
		bad    bool
	}{
		{"plain", dnetwork.CreateRequest{Name: "n"}, "", false},
		{"subnet", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{IPAM: &dnetwork.IPAM{Config: []dnetwork.IPAMConfig{{Subnet: "10.9.0.0/24", Gateway: "10.9.0.1"}}}}}, "10.9.0.0/24", false},
		{"compose's attachable bridge", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{Driver: "bridge", Attachable: true, EnableIPv4: &yes}}, "", false},
		{"no name", dnetwork.CreateRequest{}, "", true},
		{"overlay", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{Driver: "overlay"}}, "", true},
		{"ipv6", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{EnableIPv6: &yes}}, "", true},
		{"no ipv4", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{EnableIPv4: &no}}, "", true},
		{"driver options", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{Options: map[string]string{"com.docker.network.bridge.name": "x"}}}, "", true},
		{"ip range", dnetwork.CreateRequest{Name: "n", CreateOptions: dnetwork.CreateOptions{IPAM: &dnetwork.IPAM{Config: []dnetwork.IPAMConfig{{Subnet: "10.9.0.0/24", IPRange: "10.9.0.0/25"}}}}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := networkCreateOptions(&tt.req)
			if tt.bad != errors.Is(err, ErrBadParameter) {
				t.Fatalf("networkCreateOptions: %v, want refused %v", err, tt.bad)
			}
			if !tt.bad && o.Subnet != tt.subnet {
				t.Fatalf("subnet %q, want %q", o.Subnet, tt.subnet)
			}
		})
	}
}

func TestDockerEvent(t *testing.T) {
	now := time.Unix(1700000000, 5)
	e := events.Event{ID: "abc123", Name: "web", Image: "localhost/web:latest", Status: "died", Type: events.TypeContainer, Time: now,
		Attributes: map[string]string{"containerExitCode": "3", "com.docker.compose.project": "p"}}
	m, ok := dockerEvent(e)
	if !ok || m.Action != devents.ActionDie || m.Actor.Attributes["exitCode"] != "3" || m.Actor.Attributes["name"] != "web" || m.TimeNano != now.UnixNano() {
		t.Fatalf("dockerEvent(died) = %+v, %v", m, ok)
	}
	if _, ok := dockerEvent(events.Event{Status: "init"}); ok {
		t.Fatal("init has no Docker counterpart and must be dropped")
	}
	tests := []struct {
		name string
		args filters.Args
		want bool
	}{
		{"no filter", filters.NewArgs(), true},
		{"project label", filters.NewArgs(filters.Arg("label", "com.docker.compose.project=p")), true},
		{"labels all match", filters.NewArgs(filters.Arg("label", "com.docker.compose.project=p"), filters.Arg("label", "other")), false},
		{"event die", filters.NewArgs(filters.Arg("event", "die"), filters.Arg("event", "start")), true},
		{"event stop", filters.NewArgs(filters.Arg("event", "stop")), false},
		{"container name", filters.NewArgs(filters.Arg("container", "web")), true},
		{"container ID prefix", filters.NewArgs(filters.Arg("container", "abc")), true},
		{"image type", filters.NewArgs(filters.Arg("type", "image")), false},
		{"image short", filters.NewArgs(filters.Arg("image", "web")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eventMatches(tt.args, m); got != tt.want {
				t.Fatalf("eventMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildOptionsRefused(t *testing.T) {
	s := New(Options{})
	tests := []struct {
		query string
		bad   bool
	}{
		{"t=app:1&dockerfile=Dockerfile&version=1&rm=1", false},
		{"t=app&buildargs=%7B%22A%22%3A%22x%22%2C%22B%22%3Anull%7D&labels=%7B%22k%22%3A%22v%22%7D", false},
		{"networkmode=host&nocache=1&pull=1&q=1", false},
		{"version=2", true},
		{"rm=0", true},
		{"memory=1000", true},
		{"extrahosts=a%3A1.2.3.4", true},
		{"networkmode=container%3Ax", true},
		{"platform=linux%2Fs390x", true},
		{"buildargs=notjson", true},
		{"t=Bad%20Name", true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			o, err := s.buildOptions(httptest.NewRequest("POST", "/build?"+tt.query, nil))
			if tt.bad != errors.Is(err, ErrBadParameter) {
				t.Fatalf("buildOptions(%s): %v, want refused %v", tt.query, err, tt.bad)
			}
			if err == nil && o.Format != "docker" {
				t.Fatalf("format %q, want docker (Docker's builder keeps HEALTHCHECK)", o.Format)
			}
		})
	}
}
