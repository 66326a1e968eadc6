package pods

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/container/podwire"
	"github.com/skiffproject/skiff/slirpnet"
)

func TestParseShare(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"ipc,net,uts", []string{"ipc", "net", "uts"}, false},
		{"net", []string{"net"}, false},
		{"uts,net", []string{"net", "uts"}, false},
		{"+pid", []string{"ipc", "net", "pid", "uts"}, false},
		{"+net", []string{"ipc", "net", "uts"}, false},
		{"", nil, false},
		{"none", nil, false},
		{"net,net", []string{"net"}, false},
		{"cgroup", nil, true},
		{"user", nil, true},
		{"net,bogus", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseShare(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseShare(%q): error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseShare(%q): %v does not wrap ErrInvalid", tt.in, err)
			}
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseShare(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func ctrs(states ...string) []*container.Container {
	var out []*container.Container
	for _, s := range states {
		out = append(out, &container.Container{State: container.State{Status: s}})
	}
	return out
}

// TestStatus checks Podman's rules (libpod createPodStatusResults), including the states `podman pod
// ps` showed for the same containers.
func TestStatus(t *testing.T) {
	const (
		cr = container.StatusCreated
		ru = container.StatusRunning
		pa = container.StatusPaused
		ex = container.StatusExited
		st = container.StatusStopping
	)
	tests := []struct {
		states []string
		want   string
	}{
		{nil, StateCreated},
		{[]string{cr}, StateCreated},
		{[]string{ru}, StateRunning},
		{[]string{ru, ru}, StateRunning},
		{[]string{ru, st}, StateRunning},
		{[]string{ru, cr}, StateDegraded},
		{[]string{ru, ex}, StateDegraded},
		{[]string{pa, pa}, StatePaused},
		{[]string{pa, ru}, StateDegraded},
		{[]string{ex, ex}, StateExited},
		{[]string{ex, cr}, StateStopped},
		{[]string{cr, cr}, StateCreated},
		{[]string{"bogus"}, StateErrored},
	}
	for _, tt := range tests {
		if got := podStatus(ctrs(tt.states...)); got != tt.want {
			t.Errorf("podStatus(%v) = %s, want %s", tt.states, got, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	pods := []*Pod{
		{ID: "abc111", Name: "web"},
		{ID: "abc222", Name: "db"},
		{ID: "def333", Name: "abc111x"},
	}
	for in, want := range map[string]string{"web": "abc111", "abc111": "abc111", "abc2": "abc222", "def": "def333", "abc111x": "def333"} {
		p, err := find(pods, in)
		if err != nil || p.ID != want {
			t.Errorf("find(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	if _, err := find(pods, "abc"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("find(abc): %v, want ErrAmbiguous", err)
	}
	_, err := find(pods, "nope")
	if !errors.Is(err, ErrNoSuchPod) || err.Error() != "no pod with name or ID nope found: no such pod" {
		t.Errorf("find(nope): %v, want Podman's no such pod", err)
	}
}

func TestStore(t *testing.T) {
	s := newStore(t.TempDir() + "/pods")
	if ps, err := s.list(); err != nil || len(ps) != 0 {
		t.Fatalf("empty store: %v, %v", ps, err)
	}
	unlock, err := s.lock()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	a := &Pod{ID: strings.Repeat("a", 64), Name: "a", Created: now, Share: DefaultShare, Infra: true}
	b := &Pod{ID: strings.Repeat("b", 64), Name: "b", Created: now.Add(time.Second), Labels: map[string]string{"k": "v"}}
	for _, p := range []*Pod{b, a} {
		if err := s.save(p); err != nil {
			t.Fatal(err)
		}
	}
	unlock()
	ps, err := s.list()
	if err != nil || len(ps) != 2 || ps[0].Name != "a" || ps[1].Name != "b" || ps[1].Labels["k"] != "v" || !ps[0].Infra {
		t.Fatalf("list = %+v, %v; want a then b", ps, err)
	}
	if err := s.remove(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.remove(a.ID); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	if ps, _ := s.list(); len(ps) != 1 || ps[0].ID != b.ID {
		t.Fatalf("after remove: %+v", ps)
	}
}

func TestFilters(t *testing.T) {
	v := &View{Pod: &Pod{ID: "abc123", Name: "web", Labels: map[string]string{"tier": "front"}},
		Containers: ctrs(container.StatusRunning, container.StatusCreated)}
	v.Containers[0].ID, v.Containers[0].Config.Name = "111", "web-infra"
	v.Containers[1].ID, v.Containers[1].Config.Name = "222", "app"
	tests := []struct {
		filters []string
		want    bool
	}{
		{nil, true},
		{[]string{"name=we"}, true},
		{[]string{"name=^db$"}, false},
		{[]string{"id=abc"}, true},
		{[]string{"status=degraded"}, true},
		{[]string{"status=running"}, false},
		{[]string{"status=running", "status=degraded"}, true},
		{[]string{"label=tier"}, true},
		{[]string{"label=tier=back"}, false},
		{[]string{"ctr-names=app"}, true},
		{[]string{"ctr-ids=22"}, true},
		{[]string{"ctr-status=exited"}, false},
		{[]string{"ctr-number=2"}, true},
		{[]string{"name=web", "ctr-number=3"}, false},
	}
	for _, tt := range tests {
		match, err := compileFilters(tt.filters)
		if err != nil {
			t.Fatalf("%v: %v", tt.filters, err)
		}
		if got := match(v); got != tt.want {
			t.Errorf("filters %v: %v, want %v", tt.filters, got, tt.want)
		}
	}
	for _, bad := range []string{"name", "status=bogus", "nope=1", "ctr-number=x"} {
		if _, err := compileFilters([]string{bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("filter %q: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestRowAndReport(t *testing.T) {
	now := time.Now()
	v := &View{Pod: &Pod{ID: strings.Repeat("a", 64), Name: "web", Created: now.Add(-3 * time.Second)},
		Containers: ctrs(container.StatusRunning, container.StatusExited)}
	v.Containers[0].ID, v.Containers[0].Config.Name = strings.Repeat("1", 64), "web-infra"
	v.Containers[0].Config.Pod = &podwire.Config{Infra: true}
	v.Containers[1].ID, v.Containers[1].Config.Name = strings.Repeat("2", 64), "app"
	v.Infra = v.Containers[0]
	r := v.Row(false, now)
	want := Row{ID: "aaaaaaaaaaaa", Name: "web", Status: StateDegraded, Created: "3 seconds ago", InfraID: "111111111111",
		NumberOfContainers: 2, ContainerIds: "111111111111,222222222222", ContainerNames: "web-infra,app",
		ContainerStatuses: "running,exited", CreatedAt: r.CreatedAt}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Row = %+v\nwant  %+v", r, want)
	}
	if r := v.Row(true, now); r.ID != v.ID || r.InfraID != v.Infra.ID {
		t.Errorf("Row(noTrunc) IDs = %s, %s", r.ID, r.InfraID)
	}
	rep := v.Report()
	if rep.ID != v.ID || rep.InfraID != v.Infra.ID || rep.Status != StateDegraded || len(rep.Containers) != 2 ||
		rep.Containers[1].Names != "app" || rep.Labels == nil || rep.Networks == nil {
		t.Errorf("Report = %+v", rep)
	}
	if d := v.Inspect(); d.State != StateDegraded || d.NumContainers != 2 || d.InfraContainerID != v.Infra.ID ||
		d.Containers[1].State != container.StatusExited || d.ExitPolicy != "continue" {
		t.Errorf("Inspect = %+v", d)
	}
}

func TestCheckCreate(t *testing.T) {
	for _, o := range []CreateOptions{
		{Name: "-bad", Infra: true},
		{Infra: false, Network: netwire.Options{Ports: []slirpnet.PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp", Range: 1}}}},
		{Infra: false, Hostname: "h"},
		{Infra: false, InfraName: "x"},
		{Infra: true, InfraName: "bad name"},
	} {
		if err := checkCreate(&o); err == nil {
			t.Errorf("checkCreate(%+v) succeeded", o)
		}
	}
	if err := checkCreate(&CreateOptions{Name: "web", Infra: false}); err != nil {
		t.Errorf("no infra, no network: %v", err)
	}
}
