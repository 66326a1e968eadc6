package container

// Pods: the container lifecycle's side of package podwire (see its doc). Package pods keeps the pod
// records; the container records say which pod each container belongs to. Starting a member starts
// the infra container first; its lock is taken after the member's, never the other way round.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/skiffproject/skiff/container/podwire"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/spec"
)

// podConfig checks the options of a container that joins a pod and points it at the pod's infra
// container: prepare calls it before the network is configured (podwire.Member).
func (e *Engine) podConfig(o *CreateOptions, cfg *Config) error {
	p := o.Pod
	if p == nil {
		return nil
	}
	cfg.Pod = &podwire.Config{ID: p.ID, Name: p.Name, InfraID: p.InfraID, Share: slices.Clone(p.Share)}
	if !cfg.Pod.Joins() {
		return nil
	}
	infra, err := e.lookup(p.InfraID)
	if err != nil {
		return fmt.Errorf("pod %s: its infra container: %w", p.Name, err)
	}
	hostname, err := podwire.Member(cfg.Pod, e.infra(infra), podwire.MemberRequest{Network: &o.Network, Hostname: o.Hostname, OwnUserNS: cfg.IDMapping.Own()})
	if err != nil {
		return err
	}
	if hostname != "" {
		cfg.Hostname = hostname
	}
	return nil
}

// infra is c, a pod's infra container, as podwire sees it.
func (e *Engine) infra(c *Container) podwire.Infra {
	return podwire.Infra{ID: c.ID, Hostname: c.Config.Hostname, Running: c.State.Status == StatusRunning || c.State.Status == StatusPaused,
		Pid: c.State.Pid, RunDir: e.runDir(c.ID)}
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
		cmd = podwire.InfraCommand
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
		Pod:           &podwire.Config{ID: o.Pod.ID, Name: o.Pod.Name, Infra: true, Share: slices.Clone(o.Pod.Share)},
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
	if !p.Joins() {
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
// running infra container's namespaces; the infra container gets catatonit bound in.
func (e *Engine) podSpec(c *Container, rootfs string, o *spec.Options) error {
	p := c.Config.Pod
	if p != nil && p.Infra {
		bin := findInit()
		if bin == "" {
			return fmt.Errorf("container %s: a pod's infra container runs catatonit, which is not in %v (hint: install the catatonit package)", c.Name(), initPaths)
		}
		if err := podwire.InfraSpec(bin, rootfs, o); err != nil {
			return fmt.Errorf("container %s: %w", c.Name(), err)
		}
		return nil
	}
	if !p.Joins() {
		return nil
	}
	infra, err := e.Get(p.InfraID)
	if err != nil {
		return fmt.Errorf("container %s: the infra container of pod %s: %w", c.Name(), p.Name, err)
	}
	if infra.State.Status != StatusRunning && infra.State.Status != StatusPaused {
		return fmt.Errorf("container %s: the infra container of pod %s is %s: %w", c.Name(), p.Name, infra.State.Status, ErrNotRunning)
	}
	podwire.MemberSpec(p, e.infra(infra), o)
	return nil
}
