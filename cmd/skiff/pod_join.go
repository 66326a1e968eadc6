package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/pods"
)

// podFlag is --pod of create and run.
func podFlag() cli.Flag {
	return &cli.StringFlag{Name: "pod", Usage: "run in pod `NAME` (new:NAME creates it, with this container's network flags and hostname)"}
}

// joinPod resolves --pod of create and run into o.Pod (pods.Engine.Enter); undo removes a pod that
// new:NAME created, for when the container was not created.
func joinPod(c *cli.Context, e *container.Engine, o *container.CreateOptions) (undo func(), err error) {
	return pods.New(e).Enter(c.Context, c.String("pod"), o)
}
