package netwire

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
)

// Target is the container whose network a start wires.
type Target struct {
	ID, Name, Hostname string
	Network            Config
	// RunDir is its run directory: the names files and the helpers' state go there.
	RunDir string
	// GraphRoot is the store's, where user-defined networks are kept.
	GraphRoot string
}

// Files of the names a start writes into the run directory.
const (
	HostsFile    = "hosts"
	ResolvFile   = "resolv.conf"
	HostnameFile = "hostname"
)

// ErrSetup is wrapped by a start that failed while connecting the container's network (a published
// port that is taken, a helper that failed): run removes the container it created.
var ErrSetup = errors.New("network setup failed")

// setupError is a failure of a network set-up: its message is the set-up's, and it matches ErrSetup.
type setupError struct{ error }

func (e setupError) Unwrap() error      { return e.error }
func (setupError) Is(target error) bool { return target == ErrSetup }

// NeedsHelper reports whether t's network is connected between `runtime create` and `runtime start`
// (slirp4netns, pasta); other modes use `runtime run --detach`.
func (t Target) NeedsHelper() bool { return t.Network.ParsedMode(t.ID).HasHelper() }

// Spec sets the network namespace of t's spec and adds the bind mounts of its names files, which it
// writes into the run directory; it runs at every start. running finds the container a
// --network container:X joins and fails unless it runs. It returns the ports of this run
// (EncodePorts) when they are known now (user-defined networks).
func Spec(t Target, running Lookup, o *spec.Options) (runPorts string, err error) {
	nc := t.Network
	if len(nc.Networks) > 0 {
		return bridgeSpec(t, o)
	}
	m := nc.ParsedMode(t.ID)
	var files slirpnet.NameFiles
	switch m.Kind {
	case slirpnet.Host:
		o.Namespaces.Net = "host"
	case slirpnet.NS:
		o.Namespaces.Net = m.Target
	case slirpnet.Container:
		other, err := running(m.Target)
		if err != nil {
			return "", fmt.Errorf("container %s: --network %s: %w", t.Name, m, err)
		}
		if other.Network.ParsedMode(other.ID).Kind == slirpnet.Host {
			o.Namespaces.Net = "host"
		} else {
			o.Namespaces.Net = fmt.Sprintf("/proc/%d/ns/net", other.Pid)
		}
		// The other container's files, as its last start wrote them.
		files = slirpnet.NameFiles{Hosts: filepath.Join(other.RunDir, HostsFile), ResolvConf: filepath.Join(other.RunDir, ResolvFile)}
		if other.Network.NoHosts {
			files.Hosts = ""
		}
	}
	if m.Kind != slirpnet.Container {
		files, err = slirpnet.WriteNames(t.RunDir, m, slirpnet.Names{
			ID: t.ID, Name: t.Name, Hostname: t.Hostname, AddHosts: nc.AddHosts,
			DNS: nc.DNS, DNSSearch: nc.DNSSearch, DNSOptions: nc.DNSOptions,
		})
		if err != nil {
			return "", fmt.Errorf("container %s: %w", t.Name, err)
		}
		if nc.NoHosts {
			files.Hosts = ""
		}
	}
	for _, f := range []struct{ src, dest string }{
		{files.Hosts, "/etc/hosts"}, {files.ResolvConf, "/etc/resolv.conf"}, {files.Hostname, "/etc/hostname"},
	} {
		if f.src == "" {
			continue
		}
		if _, err := os.Stat(f.src); err != nil {
			continue // a container:X whose X predates the names files
		}
		// Before the volumes: a -v on /etc/hosts replaces this one.
		o.Mounts = append(o.Mounts, bindMount(f.src, f.dest))
	}
	return "", nil
}

// bridgeSpec is Spec for user-defined networks: it connects t to its networks for this start.
func bridgeSpec(t Target, o *spec.Options) (string, error) {
	store, err := netbridge.Open(t.GraphRoot)
	if err != nil {
		return "", err
	}
	nc := t.Network
	a, err := netbridge.Attach(context.Background(), store, netbridge.AttachOptions{
		ID: t.ID, Name: t.Name, Hostname: t.Hostname, Networks: nc.Networks, Ports: nc.Ports,
		DNS: nc.DNS, DNSSearch: nc.DNSSearch, DNSOptions: nc.DNSOptions, AddHosts: nc.AddHosts,
		FilesDir: t.RunDir,
	})
	if err != nil {
		return "", setupError{fmt.Errorf("container %s: %w", t.Name, err)}
	}
	o.Namespaces.Net = a.NetNS
	files := []struct{ src, dest string }{{a.Files.ResolvConf, "/etc/resolv.conf"}, {a.Files.Hostname, "/etc/hostname"}}
	if !nc.NoHosts {
		files = append(files, struct{ src, dest string }{a.Files.Hosts, "/etc/hosts"})
	}
	for _, f := range files {
		o.Mounts = append(o.Mounts, bindMount(f.src, f.dest))
	}
	return EncodePorts(a.Ports), nil
}

// bindMount is a bind mount of a names file.
func bindMount(src, dest string) rspec.Mount {
	return rspec.Mount{Destination: dest, Type: "bind", Source: src, Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}}
}

// Connect starts the slirp4netns or pasta helper of t, whose container the runtime created as process
// pid and has not started yet, and returns the ports of this run (EncodePorts). The caller then starts
// the container, or kills it when Connect fails: nothing of the network is left running then.
func Connect(ctx context.Context, t Target, pid int) (runPorts string, err error) {
	n, err := slirpnet.Setup(ctx, slirpnet.Config{
		Mode:      t.Network.ParsedMode(t.ID),
		NetNSPath: fmt.Sprintf("/proc/%d/ns/net", pid),
		PID:       pid,
		Ports:     t.Network.Ports,
		RunDir:    t.RunDir,
	})
	if err != nil {
		return "", setupError{fmt.Errorf("start container %s: %w", t.Name, err)}
	}
	return EncodePorts(n.Ports()), nil
}

// Teardown stops the helpers of t's last run and disconnects it from its networks. A failure is
// reported but does not stop a clean-up: the helpers exit with the container in any case (see
// slirpnet's package doc).
func Teardown(t Target) {
	if len(t.Network.Networks) > 0 {
		if err := netbridge.Detach(t.ID); err != nil {
			logrus.Warnf("container %s: networks: %v", t.Name, err)
		}
	}
	if err := slirpnet.Teardown(t.RunDir); err != nil {
		logrus.Warnf("container %s: %v", t.Name, err)
	}
}
