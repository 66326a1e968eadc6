package main

import (
	"fmt"
	"io"

	"github.com/containers/storage"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/fuseoverlay"
	"github.com/skiffproject/skiff/userns"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "log messages at or above `LEVEL` (debug, info, warn, error)"},
		&cli.StringFlag{Name: "root", Usage: "storage root `DIR` (graphroot); default from storage.conf"},
		&cli.StringFlag{Name: "runroot", Usage: "storage state `DIR` (runroot); default from storage.conf"},
		&cli.StringFlag{Name: "storage-driver", Usage: "storage `DRIVER` (overlay, vfs); default: native overlay, else fuse-overlayfs, else vfs"},
		&cli.StringFlag{Name: "runtime", Usage: "OCI runtime `NAME` or path (crun, runc); default from containers.conf, else crun if it works here, else runc"},
		&cli.StringSliceFlag{Name: "storage-opt", Usage: "storage driver `OPTION` (repeatable), e.g. overlay.mount_program=/usr/bin/fuse-overlayfs"},
		moduleFlag(),
		&cli.BoolFlag{Name: "noout", Usage: "print nothing on stdout (errors and warnings still go to stderr)"},
		&cli.StringFlag{Name: "cgroup-manager", Value: "cgroupfs", Usage: "cgroup `MANAGER`: cgroupfs (skiff leaves the containers in its own cgroup; systemd is not supported)"},
	}
}

// applyGlobalFlags acts on the global flags that change how every command behaves.
func applyGlobalFlags(c *cli.Context) error {
	if m := c.String("cgroup-manager"); m != "cgroupfs" {
		return fmt.Errorf("--cgroup-manager %q: skiff supports only cgroupfs (it creates no systemd scopes for containers)", m)
	}
	if c.Bool("noout") {
		c.App.Writer = io.Discard
	}
	return nil
}

// storageOptions turns the global flags into the storage package's options.
func storageOptions(c *cli.Context) fuseoverlay.Options {
	return fuseoverlay.Options{
		GraphRoot:     c.String("root"),
		RunRoot:       c.String("runroot"),
		Driver:        c.String("storage-driver"),
		DriverOptions: c.StringSlice("storage-opt"),
	}
}

// openStore enters the user's namespace (creating it on first use) and opens the container storage.
// The caller must call store.Shutdown(false).
func openStore(c *cli.Context) (storage.Store, error) {
	if err := userns.Enter(); err != nil {
		return nil, err
	}
	return fuseoverlay.Open(storageOptions(c))
}
