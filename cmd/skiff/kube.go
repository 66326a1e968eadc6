package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/kube"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/record"
)

// kubeCommand is the `skiff kube` noun: Kubernetes YAML in and out (package kube).
func kubeCommand() *cli.Command {
	return &cli.Command{
		Name:        "kube",
		Usage:       "play, remove and generate Kubernetes YAML",
		Subcommands: []*cli.Command{kubePlayCommand(), kubeDownCommand(), kubeGenerateCommand()},
	}
}

// readYAML reads the file named by the first argument, or stdin for "-".
func readYAML(c *cli.Context) (*kube.Plan, error) {
	if c.NArg() != 1 {
		return nil, fmt.Errorf("%s takes one YAML file (or - for stdin), got %d arguments", c.Command.HelpName, c.NArg())
	}
	var b []byte
	var err error
	if f := c.Args().First(); f == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Command.HelpName, err)
	}
	p, err := kube.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.Command.HelpName, c.Args().First(), err)
	}
	return p, nil
}

func kubePlayCommand() *cli.Command {
	return &cli.Command{
		Name:      "play",
		Usage:     "create and start the pods of Kubernetes YAML (Pod, single-replica Deployment, ConfigMap)",
		ArgsUsage: "FILE|-\n\nEXAMPLE:\n   skiff kube play --replace --publish 8080:80 web.yaml\n   skiff kube play --down web.yaml",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "replace", Usage: "remove pods of the same names first, with their containers"},
			&cli.BoolFlag{Name: "down", Usage: "remove the pods the YAML describes instead (as kube down)"},
			&cli.StringFlag{Name: "network", Usage: "network `MODE` of the pods (as run --network)"},
			&cli.StringSliceFlag{Name: "publish", Usage: "publish a port of the pod: `[IP:][HOSTPORT:]CONTAINERPORT[/PROTOCOL]`, with the YAML's hostPorts"},
			&cli.BoolFlag{Name: "start", Value: true, Usage: "start the pods (--start=false leaves them created)"},
			&cli.BoolFlag{Name: "tls-verify", Value: true, Usage: "require HTTPS and verify certificates when pulling"},
			&cli.StringFlag{Name: "authfile", Usage: "registry credentials `FILE` for pulling"},
		},
		Action: func(c *cli.Context) error {
			p, err := readYAML(c)
			if err != nil {
				return err
			}
			network, err := networkOptions(c) // before the store is opened: a bad flag changes nothing
			if err != nil {
				return err
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			if c.Bool("down") {
				return kubeDown(c, pe, p)
			}
			reports, err := kube.Play(c.Context, pe, p, kube.PlayOptions{
				Replace: c.Bool("replace"), Network: network,
				NoStart: !c.Bool("start"), TLSVerify: c.Bool("tls-verify"), AuthFile: c.String("authfile"),
				PullWriter: os.Stderr, CreateCommand: os.Args,
			})
			for _, r := range reports {
				fmt.Fprintf(c.App.Writer, "Pod:\n%s\n", r.Pod)
				if len(r.Containers) == 1 {
					fmt.Fprintln(c.App.Writer, "Container:")
				} else {
					fmt.Fprintln(c.App.Writer, "Containers:")
				}
				for _, id := range r.Containers {
					fmt.Fprintln(c.App.Writer, id)
				}
				fmt.Fprintln(c.App.Writer)
			}
			return err
		},
	}
}

func kubeDownCommand() *cli.Command {
	return &cli.Command{
		Name:      "down",
		Usage:     "remove the pods of Kubernetes YAML, with their containers and emptyDir volumes",
		ArgsUsage: "FILE|-\n\nEXAMPLE:\n   skiff kube down web.yaml",
		Action: func(c *cli.Context) error {
			p, err := readYAML(c)
			if err != nil {
				return err
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			return kubeDown(c, pe, p)
		},
	}
}

func kubeDown(c *cli.Context, pe *pods.Engine, p *kube.Plan) error {
	vs, vdone, err := openVolumes(c)
	if err != nil {
		return err
	}
	defer vdone()
	r, err := kube.Down(c.Context, pe, p, func(name string) error { return vs.Remove(name, true) })
	if len(r.Stopped) > 0 {
		fmt.Fprintln(c.App.Writer, "Pods stopped:")
		for _, id := range r.Stopped {
			fmt.Fprintln(c.App.Writer, id)
		}
		fmt.Fprintln(c.App.Writer, "Pods removed:")
		for _, id := range r.Removed {
			fmt.Fprintln(c.App.Writer, id)
		}
	}
	return err
}

// kubeGenerateCommand is `kube generate` and `generate kube`.
func kubeGenerateCommand() *cli.Command {
	return &cli.Command{
		Name:      "generate",
		Usage:     "write a pod, or a container in no pod, as Kubernetes Pod YAML",
		ArgsUsage: "POD|CONTAINER\n\nEXAMPLE:\n   skiff generate kube web > web.yaml",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "filename", Aliases: []string{"f"}, Usage: "write the YAML to `FILE` instead of stdout"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%s takes one pod or container, got %d", c.Command.HelpName, c.NArg())
			}
			pe, done, err := openPods(c)
			if err != nil {
				return err
			}
			defer done()
			name := c.Args().First()
			var out []byte
			v, err := pe.Get(name)
			switch {
			case err == nil:
				out, err = kube.GeneratePod(v, version)
			case errors.Is(err, pods.ErrNoSuchPod):
				var ctr *container.Container
				if ctr, err = pe.Containers().Get(name); err != nil {
					return fmt.Errorf("%s %s: no such pod or container", c.Command.HelpName, name)
				}
				out, err = kube.GenerateContainer(ctr, version)
			}
			if err != nil {
				return err
			}
			if f := c.String("filename"); f != "" {
				return record.WriteFile(f, out, 0o644)
			}
			_, err = c.App.Writer.Write(out)
			return err
		},
	}
}
