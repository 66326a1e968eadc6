package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/containersconf"
)

// moduleFlag is the global --module flag (Podman's): containers.conf modules whose [containers] settings
// become the defaults of create and run.
func moduleFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "module", Usage: "load the containers.conf module `NAME` (repeatable), e.g. hpc: see containers.conf.modules"}
}

// moduleDefaults loads the --module modules for create and run.
func moduleDefaults(c *cli.Context) (containersconf.Containers, error) {
	return containersconf.Load(c.StringSlice("module"))
}

// flagOr returns the flag's value when it was given, else the module's.
func flagOr(c *cli.Context, name, module string) string {
	if c.IsSet(name) || module == "" {
		return c.String(name)
	}
	return module
}

// applyModule fills in what the modules set and the command line did not: the network, the IPC and PID
// namespaces and the working directory (the user namespace, volumes and environment are merged where
// createOptions parses them).
func applyModule(c *cli.Context, mod containersconf.Containers, o *container.CreateOptions) error {
	// processOptions read --ipc and --pid into o.Process; the engine checks the modules' values as it
	// checks the flags'.
	o.Process.IPC = flagOr(c, "ipc", mod.IPCNS)
	o.Process.PID = flagOr(c, "pid", mod.PIDNS)
	o.WorkingDir = flagOr(c, "workdir", mod.Workdir)
	if !c.IsSet("network") && mod.NetNS != "" {
		var err error
		if o.Network.Mode, o.Network.Networks, err = netwire.ParseMode(mod.NetNS); err != nil {
			return fmt.Errorf("containers.conf module netns %q: %w", mod.NetNS, err)
		}
	}
	return nil
}
