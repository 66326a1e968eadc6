package container

import (
	"path/filepath"

	"github.com/skiffproject/skiff/container/netwire"
)

// Paths are where the files of a container live, for the front ends that show them (inspect, units).
type Paths struct {
	// Static is the container's directory in the store; Run its run directory.
	Static, Run string
	// PIDFile holds the container's PID, MonitorPIDFile its monitor's (a unit's PIDFile=) while it runs.
	PIDFile, MonitorPIDFile string
	// Log is the k8s-file log: --log-opt path= or the container's own.
	Log string
	// Spec is the OCI spec of the last start, in the run directory; Hosts, ResolvConf and Hostname
	// are the names files each start writes there (netwire.Spec).
	Spec, Hosts, ResolvConf, Hostname string
}

// Paths returns the paths of container c.
func (e *Engine) Paths(c *Container) Paths {
	return Paths{
		Static: e.dir(c.ID), Run: e.runDir(c.ID),
		PIDFile: filepath.Join(e.runDir(c.ID), pidFile), MonitorPIDFile: e.monitorPIDFile(c.ID),
		Log:  e.logPath(c),
		Spec: filepath.Join(e.runDir(c.ID), bundleSpec), Hosts: filepath.Join(e.runDir(c.ID), netwire.HostsFile),
		ResolvConf: filepath.Join(e.runDir(c.ID), netwire.ResolvFile), Hostname: filepath.Join(e.runDir(c.ID), netwire.HostnameFile),
	}
}

// RuntimeName is the OCI runtime that runs c ("" when none is found).
func (e *Engine) RuntimeName(c *Container) string {
	if c.Config.Runtime != "" {
		return c.Config.Runtime
	}
	rt, err := e.runtimeFor(c)
	if err != nil {
		return ""
	}
	return rt.Name
}
