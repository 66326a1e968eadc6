package container

// Pods: what the container lifecycle does for package pods.
//
// A pod is a group of containers that share namespaces. Its infra container owns them: it has no image
// (an empty root file system into which catatonit, a static binary, is bound read-only at each start)
// and runs `catatonit -P`, which only waits. The pod's network, published ports, hostname, /etc/hosts
// and /etc/resolv.conf are the infra container's. A member records its pod in Config.Pod and joins the
// infra's namespaces at each start through /proc/PID/ns/X paths: the network through the network mode
// container:INFRA (which also binds the infra's /etc/hosts and /etc/resolv.conf), IPC, UTS (with the
// infra's /etc/hostname) and PID here. Starting a member starts the infra container first; its lock is
// taken after the member's, never the other way round.
//
// Package pods keeps the pod records; the container records say which pod each container belongs to.

import (
	"context"
	"errors"
	"fmt"
	"github.com/skiffproject/skiff/container/netwire"
	"os"
	"path/filepath"
	"slices"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/slirpnet"
)

// PodConfig ties a container to a pod (Config.Pod, CreateOptions.Pod).
type PodConfig struct {
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
func (p *PodConfig) Shares(ns string) bool {
	return p != nil && p.InfraID != "" && slices.Contains(p.Share, ns)
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

// podConfig checks the flags of a container that joins a pod and points it at the pod's infra
// container: prepare calls it before the network is configured. Network options are the pod's, so a
// member's own -p, -P, --network or --add-host is refused in Podman's words (exit 125).
func (e *Engine) podConfig(o *CreateOptions, cfg *Config) error {
	p := o.Pod
	if p == nil {
		return nil
	}
	cfg.Pod = &PodConfig{ID: p.ID, Name: p.Name, InfraID: p.InfraID, Share: slices.Clone(p.Share)}
	if p.InfraID == "" || len(p.Share) == 0 {
		return nil
	}
	invalid := func(what string, err error) error {
		return fmt.Errorf("invalid config provided: %s: %w", what, err)
	}
	if cfg.IDMapping.Own() {
		return invalid("--userns, --uidmap and --gidmap cannot be used in a pod that shares namespaces: they would need a user namespace of their own",
			errors.New("invalid configuration"))
	}
	infra, err := e.lookup(p.InfraID)
	if err != nil {
		return fmt.Errorf("pod %s: its infra container: %w", p.Name, err)
	}
	if p.Shares("net") {
		n := &o.Network
		switch {
		case n.Mode.Kind != "" || len(n.Networks) > 0:
			return invalid("networks must be defined when the pod is created", ErrNetworkOnPodContainer)
		case len(n.Ports) > 0 || n.PublishAll:
			return invalid("published or exposed ports must be defined when the pod is created", ErrNetworkOnPodContainer)
		case len(n.AddHosts) > 0:
			return invalid("extra host entries must be specified on the pod", ErrNetworkOnPodContainer)
		case len(n.DNS)+len(n.DNSSearch)+len(n.DNSOptions) > 0:
			return invalid("DNS servers, search domains and options must be specified on the pod", ErrNetworkOnPodContainer)
		}
		n.Mode = slirpnet.Mode{Kind: slirpnet.Container, Target: infra.ID}
	}
	if p.Shares("uts") {
		if o.Hostname != "" {
			return invalid("cannot set hostname when joining the pod UTS namespace", errors.New("invalid configuration"))
		}
		cfg.Hostname = infra.Config.Hostname
	}
	return nil
}

// prepareInfra is prepare for a pod's infra container (CreateOptions.Pod.Infra): no image to resolve,
// the command is o.Command or InfraCommand, and the network flags are the pod's.
func (e *Engine) prepareInfra(o *CreateOptions) (*Config, error) {
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return nil, err
		}
	}
	if findInit() == "" {
		return nil, fmt.Errorf("a pod's infra container runs catatonit, which is not in %v (hint: install the catatonit package, or create the pod with --infra=false)", initPaths)
	}
	cmd := o.Command
	if len(cmd) == 0 {
		cmd = InfraCommand
	}
	labels := map[string]string{}
	for k, v := range o.Labels {
		labels[k] = v
	}
	cfg := &Config{
		Name:          o.Name,
		Cmd:           slices.Clone(cmd),
		Env:           []string{"PATH=" + spec.DefaultPath},
		Hostname:      o.Hostname,
		Labels:        labels,
		StopSignal:    "SIGTERM",
		StopTimeout:   defaultStopTimeout,
		LogDriver:     monitor.LogK8sFile,
		RestartPolicy: "no",
		Runtime:       o.Runtime,
		CreateCommand: o.CreateCommand,
		Created:       time.Now(),
		Pod:           &PodConfig{ID: o.Pod.ID, Name: o.Pod.Name, Infra: true, Share: slices.Clone(o.Pod.Share)},
	}
	if err := e.networkConfig(o.Network, nil, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// startPodInfra starts the infra container of c's pod if c joins its namespaces and it does not run.
// launch calls it with c's lock held.
func (e *Engine) startPodInfra(ctx context.Context, c *Container) error {
	p := c.Config.Pod
	if p == nil || p.Infra || p.InfraID == "" || len(p.Share) == 0 {
		return nil
	}
	infra, err := e.Get(p.InfraID)
	if err != nil {
		return fmt.Errorf("start container %s: the infra container of pod %s: %w", c.Name(), p.Name, err)
	}
	if infra.State.Status == StatusRunning || infra.State.Status == StatusPaused {
		return nil
	}
	if _, _, err := e.Start(ctx, infra.ID, StartOptions{}); err != nil {
		return fmt.Errorf("start container %s: start the infra container of pod %s: %w", c.Name(), p.Name, err)
	}
	return nil
}

// podSpec puts c in its pod at a start (generateSpec calls it after networkSpec): a member joins the
// infra container's IPC, UTS and PID namespaces and sees its /etc/hostname; the infra container gets
// catatonit bound in.
func (e *Engine) podSpec(c *Container, rootfs string, o *spec.Options) error {
	p := c.Config.Pod
	switch {
	case p == nil:
		return nil
	case p.Infra:
		return infraSpec(c, rootfs, o)
	case p.InfraID == "" || len(p.Share) == 0:
		return nil
	}
	infra, err := e.Get(p.InfraID)
	if err != nil {
		return fmt.Errorf("container %s: the infra container of pod %s: %w", c.Name(), p.Name, err)
	}
	if infra.State.Status != StatusRunning && infra.State.Status != StatusPaused {
		return fmt.Errorf("container %s: the infra container of pod %s is %s: %w", c.Name(), p.Name, infra.State.Status, ErrNotRunning)
	}
	ns := func(name string) string { return fmt.Sprintf("/proc/%d/ns/%s", infra.State.Pid, name) }
	if p.Shares("ipc") {
		o.Namespaces.IPC = ns("ipc")
	}
	if p.Shares("pid") {
		o.Namespaces.PID = ns("pid")
	}
	if p.Shares("uts") {
		o.Namespaces.UTS = ns("uts")
		o.Hostname = ""
		if f := filepath.Join(e.runDir(infra.ID), netwire.HostnameFile); fileExists(f) {
			o.Mounts = append(o.Mounts, rspec.Mount{Destination: "/etc/hostname", Type: "bind", Source: f,
				Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}})
		}
	}
	return nil
}

// infraSpec binds catatonit into an infra container's empty root file system, over an empty file
// that is also what checkCommand finds.
func infraSpec(c *Container, rootfs string, o *spec.Options) error {
	bin := findInit()
	if bin == "" {
		return fmt.Errorf("container %s: a pod's infra container runs catatonit, which is not in %v (hint: install the catatonit package)", c.Name(), initPaths)
	}
	target := filepath.Join(rootfs, InfraBinary)
	if !fileExists(target) {
		if err := os.WriteFile(target, nil, 0o755); err != nil {
			return fmt.Errorf("container %s: %w", c.Name(), err)
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

// checkRemove refuses to remove a pod's infra container on its own, as Podman does (Remove calls it).
func checkRemove(c *Container) error {
	if p := c.Config.Pod; p != nil && p.Infra {
		return fmt.Errorf("container %s is the infra container of pod %s and cannot be removed without removing the pod: %w", c.ID, p.ID, ErrPodInfra)
	}
	return nil
}

// RemovePodContainer removes a container of a pod, the infra container included: pod rm calls it.
func (e *Engine) RemovePodContainer(ctx context.Context, id string, o RemoveOptions) error {
	c, l, err := e.lockedGet(ctx, id)
	if err != nil {
		return err
	}
	defer l.unlock()
	return e.removeLocked(ctx, c, o)
}

// Clone returns an engine on the same store with the same options, for a goroutine of its own (an
// Engine is not safe for concurrent use).
func (e *Engine) Clone() *Engine { return New(e.store, e.opts) }
