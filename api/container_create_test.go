package api

import (
	"errors"
	"reflect"
	"testing"
	"time"

	dcontainer "github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/skiffproject/skiff/slirpnet"
)

func TestCreateOptions(t *testing.T) {
	init := true
	timeout := 3
	tests := []struct {
		name  string
		req   dcontainer.CreateRequest
		check func(t *testing.T, err error, got any)
		bad   bool
	}{
		{name: "no image", req: dcontainer.CreateRequest{Config: &dcontainer.Config{}}, bad: true},
		{name: "links refused", req: dcontainer.CreateRequest{Config: &dcontainer.Config{Image: "busybox"},
			HostConfig: &dcontainer.HostConfig{Links: []string{"db:db"}}}, bad: true},
		{name: "bad restart policy", req: dcontainer.CreateRequest{Config: &dcontainer.Config{Image: "busybox"},
			HostConfig: &dcontainer.HostConfig{RestartPolicy: dcontainer.RestartPolicy{Name: "sometimes"}}}, bad: true},
		{name: "sctp refused", req: dcontainer.CreateRequest{Config: &dcontainer.Config{Image: "busybox"},
			HostConfig: &dcontainer.HostConfig{PortBindings: nat.PortMap{"80/sctp": {{HostPort: "8080"}}}}}, bad: true},
		{name: "relative bind refused", req: dcontainer.CreateRequest{Config: &dcontainer.Config{Image: "busybox"},
			HostConfig: &dcontainer.HostConfig{Binds: []string{"/tmp:rel"}}}, bad: true},
		{name: "health test kind", req: dcontainer.CreateRequest{Config: &dcontainer.Config{Image: "busybox",
			Healthcheck: &dcontainer.HealthConfig{Test: []string{"RUN", "true"}}}}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := createOptions(&tt.req, "")
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if err != nil && !errors.Is(err, ErrBadParameter) {
				t.Errorf("err %v is not a bad parameter (400)", err)
			}
		})
	}

	req := dcontainer.CreateRequest{
		Config: &dcontainer.Config{Image: "busybox", Cmd: []string{"sleep", "1"}, Entrypoint: []string{"/bin/sh", "-c"},
			Env: []string{"A=1", "UNSET"}, Tty: true, OpenStdin: true, StopTimeout: &timeout,
			ExposedPorts: nat.PortSet{"53/udp": {}},
			Healthcheck:  &dcontainer.HealthConfig{Test: []string{"CMD-SHELL", "true"}, Interval: 2 * time.Second, Retries: 4}},
		HostConfig: &dcontainer.HostConfig{
			PortBindings:  nat.PortMap{"80/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}, {HostPort: ""}}},
			RestartPolicy: dcontainer.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2},
			NetworkMode:   "default", Init: &init, AutoRemove: true,
			Tmpfs:     map[string]string{"/run": "size=1m"},
			Binds:     []string{"/tmp:/host:ro", "data:/data"},
			Resources: dcontainer.Resources{NanoCPUs: 1500000000, Memory: 64 << 20},
		},
	}
	o, err := createOptions(&req, "/web")
	if err != nil {
		t.Fatal(err)
	}
	wantPorts := []slirpnet.PortMapping{
		{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp", Range: 1},
		{ContainerPort: 80, Protocol: "tcp", Range: 1},
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"name", o.Name, "web"},
		{"entrypoint", o.EntrypointArgs, []string{"/bin/sh", "-c"}},
		{"env", o.Env, []string{"A=1"}},
		{"ports", o.Network.Ports, wantPorts},
		{"network mode", o.Network.Mode, ""},
		{"expose", o.Network.Expose, []string{"53/udp"}},
		{"restart", o.RestartPolicy, "on-failure:2"},
		{"init", o.Init, true},
		{"stop timeout", *o.StopTimeout, uint(3)},
		{"cpus", o.Cgroup.Resources.CPUs, 1.5},
		{"health retries", *o.Health.Retries, 4},
		{"health interval", *o.Health.Interval, 2 * time.Second},
		{"mounts", len(o.MountFlags.Specs), 3},
		{"bind read-only", o.MountFlags.Specs[0].ReadOnly(), true},
		{"volume name", o.MountFlags.Specs[1].Source, "data"},
		{"tmpfs", o.MountFlags.Specs[2].Destination, "/run"},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
}
