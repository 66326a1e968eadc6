package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/systemd/unit"
)

// generatePod writes the units of pod nameOrID: the pod's, then one per member. It returns an error
// wrapping pods.ErrNoSuchPod when there is no such pod.
func generatePod(c *cli.Context, e *container.Engine, nameOrID string, o unit.Options) error {
	v, err := pods.New(e).Get(nameOrID)
	if err != nil {
		return err
	}
	p := unit.Pod{ID: v.ID, Name: v.Name, CreateCommand: v.CreateCommand, RunRoot: e.Store().RunRoot()}
	if v.Infra != nil {
		p.InfraName, p.InfraMonitorPIDFile = v.Infra.Name(), e.Paths(v.Infra).MonitorPIDFile
		p.StopTimeout = v.Infra.Config.StopTimeout
	}
	for _, m := range v.Members() {
		p.Members = append(p.Members, unit.Container{
			ID: m.ID, Name: m.Name(), CreateCommand: m.Config.CreateCommand, Env: m.Config.Env,
			StopTimeout: m.Config.StopTimeout, MonitorPIDFile: e.Paths(m).MonitorPIDFile, RunRoot: e.Store().RunRoot(),
		})
	}
	files, err := unit.ForPod(p, o)
	if err != nil {
		return fmt.Errorf("pod %s: %w", v.Name, err)
	}
	return writeUnits(c, files)
}

// isNotFound reports whether err says that a name is no container's or no pod's.
func isNotFound(err error) bool {
	return errors.Is(err, container.ErrNoSuchContainer) || errors.Is(err, pods.ErrNoSuchPod)
}
