package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/cdi"
	"github.com/skiffproject/skiff/container"
)

// deviceFlags are the device flags of create and run: CDI names and Docker's --gpus.
func deviceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "device", Usage: "add the CDI device `vendor.com/class=name` (specs in /etc/cdi, /var/run/cdi, ~/.config/cdi)"},
		&cli.StringFlag{Name: "gpus", Usage: "add `GPUS` through CDI as nvidia.com/gpu: all, a number N, or device=ID[,ID...]"},
	}
}

// deviceOptions puts --device and --gpus into o as CDI device names.
func deviceOptions(c *cli.Context, o *container.CreateOptions) error {
	for _, d := range c.StringSlice("device") {
		if !cdi.IsQualified(d) {
			return fmt.Errorf("--device %s: only CDI device names (vendor.com/class=name) are supported", d)
		}
		o.CDIDevices = append(o.CDIDevices, d)
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
