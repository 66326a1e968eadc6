package podwire

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
)

// Config ties a container to a pod (the record's Config.Pod, CreateOptions.Pod).
type Config struct {
	// ID and Name are the pod's (Name as it was when the container was created, for messages).
	ID   string `json:"id"`
	Name string `json:"name"`
	// Infra marks the pod's infra container.
	Infra bool `json:"infra,omitempty"`
	// InfraID is the infra container whose namespaces a member joins ("" = the pod has none).
	InfraID string `json:"infraId,omitempty"`
	// Share are the namespaces the pod's containers share: some of ipc, net, pid and uts.
	Share []string `json:"share,omitempty"`
}

// Shares reports whether the pod's containers share the namespace ns (ipc, net, pid, uts).
func (p *Config) Shares(ns string) bool {
	return p != nil && p.InfraID != "" && slices.Contains(p.Share, ns)
}

// Joins reports whether a container with pod p joins an infra container's namespaces.
func (p *Config) Joins() bool {
	return p != nil && !p.Infra && p.InfraID != "" && len(p.Share) > 0
}

// InfraCommand is the default command of an infra container: catatonit in pause mode, bound in at
// InfraBinary.
var InfraCommand = []string{InfraBinary, "-P"}

// InfraBinary is where catatonit appears in an infra container.
const InfraBinary = "/catatonit"

// Errors of pods that callers branch on.
var (
	// ErrNetworkOnPodContainer: a member of a pod that shares its network asked for network options of
	// its own (Podman's wording).
	ErrNetworkOnPodContainer = errors.New("network cannot be configured when it is shared with a pod")
	// ErrPodInfra: rm of a pod's infra container, which only goes with its pod.
	ErrPodInfra = errors.New("use skiff pod rm")
)

// Infra is the infra container of a member's pod, as the wiring needs it.
type Infra struct {
	ID, Hostname string
	// Running is true while it runs (or is paused), with Pid its process.
	Running bool
	Pid     int
	// RunDir is its run directory (its /etc/hostname).
	RunDir string
}

// MemberRequest is what a member of a pod asks for at create, as Member checks it.
type MemberRequest struct {
	Network  *netwire.Options
	Hostname string
	// OwnUserNS is set when the member asks for a user namespace of its own (--userns, --uidmap).
	OwnUserNS bool
}

// Member checks the options of a container that joins pod p, whose infra container is infra, and
// points it at the infra's namespaces: the network mode becomes container:INFRA, and the returned
// hostname is the infra's when the pod shares UTS ("" otherwise). A member's own -p, -P, --network or
// --add-host is refused in Podman's words.
func Member(p *Config, infra Infra, r MemberRequest) (hostname string, err error) {
	invalid := func(what string, err error) error {
		return fmt.Errorf("invalid config provided: %s: %w", what, err)
	}
	if r.OwnUserNS {
		return "", invalid("--userns, --uidmap and --gidmap cannot be used in a pod that shares namespaces: they would need a user namespace of their own",
			errors.New("invalid configuration"))
	}
	if p.Shares("net") {
		n := r.Network
		switch {
		case n.Mode.Kind != "" || len(n.Networks) > 0:
			return "", invalid("networks must be defined when the pod is created", ErrNetworkOnPodContainer)
		case len(n.Ports) > 0 || n.PublishAll:
			return "", invalid("published or exposed ports must be defined when the pod is created", ErrNetworkOnPodContainer)
		case len(n.AddHosts) > 0:
			return "", invalid("extra host entries must be specified on the pod", ErrNetworkOnPodContainer)
		case len(n.DNS)+len(n.DNSSearch)+len(n.DNSOptions) > 0:
			return "", invalid("DNS servers, search domains and options must be specified on the pod", ErrNetworkOnPodContainer)
		}
		n.Mode = slirpnet.Mode{Kind: slirpnet.Container, Target: infra.ID}
	}
	if p.Shares("uts") {
		if r.Hostname != "" {
			return "", invalid("cannot set hostname when joining the pod UTS namespace", errors.New("invalid configuration"))
		}
		return infra.Hostname, nil
	}
	return "", nil
}

// MemberSpec puts a member of pod p into the running infra container's IPC, UTS and PID namespaces
// and binds its /etc/hostname.
func MemberSpec(p *Config, infra Infra, o *spec.Options) {
	ns := func(name string) string { return fmt.Sprintf("/proc/%d/ns/%s", infra.Pid, name) }
	if p.Shares("ipc") {
		o.Namespaces.IPC = ns("ipc")
	}
	if p.Shares("pid") {
		o.Namespaces.PID = ns("pid")
	}
	if p.Shares("uts") {
		o.Namespaces.UTS = ns("uts")
		o.Hostname = ""
		if f := filepath.Join(infra.RunDir, netwire.HostnameFile); fileExists(f) {
			o.Mounts = append(o.Mounts, rspec.Mount{Destination: "/etc/hostname", Type: "bind", Source: f,
				Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}})
		}
	}
}

// InfraSpec binds catatonit (found at bin) into an infra container's empty root file system, over an
// empty file that is also what the command check finds.
func InfraSpec(bin, rootfs string, o *spec.Options) error {
	target := filepath.Join(rootfs, InfraBinary)
	if !fileExists(target) {
		if err := os.WriteFile(target, nil, 0o755); err != nil {
			return err
		}
	}
	o.Mounts = append(o.Mounts, rspec.Mount{Destination: InfraBinary, Type: "bind", Source: bin,
		Options: []string{"bind", "ro", "nosuid", "nodev"}})
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
