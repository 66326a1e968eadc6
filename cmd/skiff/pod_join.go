package main

import (
	"context"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/pods"
)

// podFlag is --pod of create and run.
func podFlag() cli.Flag {
	return &cli.StringFlag{Name: "pod", Usage: "run in pod `NAME` (new:NAME creates it, with this container's network flags and hostname)"}
}

// joinPod resolves --pod of create and run into o.Pod. With new:NAME it creates the pod first, handing
// it the container's network flags and hostname, which are the pod's (as Podman does); undo removes
// that pod again, for when the container could not be created.
func joinPod(c *cli.Context, e *container.Engine, o *container.CreateOptions) (undo func(), err error) {
	undo = func() {}
	value := c.String("pod")
	if value == "" {
		return undo, nil
	}
	pe := pods.New(e)
	if name, ok := strings.CutPrefix(value, "new:"); ok {
		v, err := pe.Create(c.Context, pods.CreateOptions{Name: name, Share: pods.DefaultShare, Infra: true,
			Hostname: o.Hostname, Network: o.Network, CreateCommand: os.Args})
		if err != nil {
			return undo, err
		}
		o.Network, o.Hostname = container.NetworkOptions{Expose: o.Network.Expose}, ""
		undo = func() { _, _ = pe.Remove(context.WithoutCancel(c.Context), v.ID, pods.RemoveOptions{Force: true}) }
		value = v.ID
	}
	if o.Pod, err = pe.Join(value); err != nil {
		undo()
		return func() {}, err
	}
	return undo, nil
}
