package main

import (
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
		&cli.StringFlag{Name: "cgroup-manager", Usage: "cgroup `MANAGER` of new containers: cgroupfs (a delegated subtree) or systemd (falls back to cgroupfs)"},
		&cli.StringSliceFlag{Name: "storage-opt", Usage: "storage driver `OPTION` (repeatable), e.g. overlay.mount_program=/usr/bin/fuse-overlayfs"},
		moduleFlag(),
		&cli.BoolFlag{Name: "noout", Usage: "print nothing on stdout (errors and warnings still go to stderr)"},
	}
}

// applyGlobalFlags acts on the global flags that change how every command behaves.
func applyGlobalFlags(c *cli.Context) error {
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
