package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/cdi"
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/runtime/spec"
)

// deviceFlags are the device flags of create and run: CDI names and Docker's --gpus.
func deviceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "device", Usage: "give the container the host device `/dev/HOST[:/dev/CONTAINER][:rwm]`, or the CDI device vendor.com/class=name (specs in /etc/cdi, /var/run/cdi, ~/.config/cdi)"},
		&cli.StringFlag{Name: "gpus", Usage: "add `GPUS` through CDI as nvidia.com/gpu: all, a number N, or device=ID[,ID...]"},
	}
}

// deviceOptions puts --device and --gpus into o: host device paths, bind-mounted (runtime/spec's
// devices.go), and CDI device names, injected through their specs (package cdi).
func deviceOptions(c *cli.Context, o *container.CreateOptions) error {
	for _, d := range c.StringSlice("device") {
		if cdi.IsQualified(d) {
			o.CDIDevices = append(o.CDIDevices, d)
			continue
		}
		dev, err := spec.ParseDevice(d)
		if err != nil {
			return err
		}
		o.Devices = append(o.Devices, dev)
	}
	if c.IsSet("gpus") {
		gpus, err := cdi.GPUDevices(c.String("gpus"))
		if err != nil {
			return err
		}
		o.CDIDevices = append(o.CDIDevices, gpus...)
	}
	return nil
}
