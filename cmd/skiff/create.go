package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/containers/image/v5/types"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/systemd"
	"github.com/skiffproject/skiff/systemd/notify"
	"github.com/skiffproject/skiff/userns"
	"github.com/skiffproject/skiff/volume"
	"github.com/skiffproject/skiff/volume/mountflag"
)

func createCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create a container without starting it",
		ArgsUsage: "IMAGE [COMMAND [ARG...]]\n\nEXAMPLE:\n   skiff create --name web localhost:5000/busybox httpd -f",
		Flags:     createFlags(),
		Action: func(c *cli.Context) error {
			o, err := createOptions(c)
			if err != nil {
				return err
			}
			e, done, err := openEngine(c)
			if err != nil {
				return err
			}
			defer done()
			undo, err := joinPod(c, e, &o) // --pod (pod_join.go)
			if err != nil {
				return err
			}
			ctr, err := e.Create(c.Context, o)
			if err != nil {
				undo()
				return err
			}
			fmt.Fprintln(c.App.Writer, ctr.ID)
			return nil
		},
	}
}

// createFlags are the flags of create and run (run adds its own).
func createFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "name", Usage: "assign `NAME` to the container"},
		&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep STDIN open"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
		&cli.BoolFlag{Name: "rm", Usage: "remove the container when it exits"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment `NAME=VALUE` (NAME alone copies it from skiff's environment)"},
		&cli.StringSliceFlag{Name: "env-file", Usage: "read environment variables from `FILE` (NAME=VALUE lines)"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working `DIR` inside the container"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as `USER[:GROUP]` (name or number)"},
		&cli.StringFlag{Name: "entrypoint", Usage: "override the image's ENTRYPOINT with `CMD` (\"\" clears it)"},
		&cli.StringFlag{Name: "hostname", Aliases: []string{"h"}, Usage: "container host `NAME` (default: the short ID)"},
		&cli.BoolFlag{Name: "init", Usage: "run an init (catatonit) as PID 1 that forwards signals and reaps zombies"},
		&cli.BoolFlag{Name: "read-only", Usage: "mount the root file system read-only (with tmpfs on /run, /tmp, /var/tmp)"},
		&cli.StringSliceFlag{Name: "cap-add", Usage: "add `CAPABILITY` (comma separated, or ALL)"},
		&cli.StringSliceFlag{Name: "cap-drop", Usage: "drop `CAPABILITY` (comma separated, or ALL)"},
		&cli.BoolFlag{Name: "privileged", Usage: "give the container every capability of the user's namespace, no seccomp, the host's devices"},
		&cli.StringSliceFlag{Name: "security-opt", Usage: "security `OPTION` (seccomp=unconfined|FILE, no-new-privileges, mask=, unmask=, …)"},
		&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set metadata `KEY=VALUE`"},
		&cli.StringFlag{Name: "cidfile", Usage: "write the container ID to `FILE`"},
		&cli.BoolFlag{Name: "replace", Usage: "remove an existing container with the same name first"},
		&cli.StringFlag{Name: "pull", Value: string(container.PullMissing), Usage: "pull the image: `POLICY` always, missing, never or newer"},
		&cli.StringFlag{Name: "stop-signal", Usage: "`SIGNAL` that stops the container (default: the image's, else SIGTERM)"},
		&cli.UintFlag{Name: "stop-timeout", Value: 10, Usage: "`SECONDS` to wait after the stop signal before SIGKILL"},
		&cli.StringFlag{Name: "log-driver", Value: "k8s-file", Usage: "where output goes: `DRIVER` k8s-file (json-file), journald or none"},
		&cli.StringSliceFlag{Name: "ulimit", Usage: "resource limit `NAME=SOFT[:HARD]` (nofile=1024:2048)"},
		&cli.BoolFlag{Name: "tls-verify", Value: true, Usage: "require HTTPS and verify certificates when pulling"},
		&cli.StringFlag{Name: "authfile", Usage: "registry credentials `FILE` for pulling"},
		&cli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "mount `SOURCE:DEST[:OPTIONS]` (volume name or host path) or DEST (anonymous volume)"},
		&cli.StringSliceFlag{Name: "mount", Usage: "mount `type=bind|volume|tmpfs,source=…,target=…[,…]`"},
		&cli.StringSliceFlag{Name: "tmpfs", Usage: "mount a tmpfs at `DEST[:OPTIONS]`"},
		&cli.StringSliceFlag{Name: "volumes-from", Usage: "mount the volumes of `CONTAINER[:ro|rw]`"},
		&cli.StringFlag{Name: "userns", Usage: "user namespace `MODE`: host (default), keep-id[:uid=N,gid=N] or nomap"},
		&cli.StringSliceFlag{Name: "uidmap", Usage: "map container UIDs `CONTAINER:INTERMEDIATE:SIZE`"},
		&cli.StringSliceFlag{Name: "gidmap", Usage: "map container GIDs `CONTAINER:INTERMEDIATE:SIZE`"},
		&cli.StringSliceFlag{Name: "group-add", Usage: "add supplementary `GROUP` (name, number, or keep-groups)"},
		podFlag(),
		&cli.StringFlag{Name: "restart", Usage: "restart `POLICY` when the container exits: no, on-failure[:N], always or unless-stopped"},
		&cli.StringFlag{Name: "sdnotify", Usage: "how systemd learns that the container runs: `MODE` conmon (skiff sends READY), container (the container does) or ignore; default: conmon under a Type=notify unit, else ignore"},
	}, append(append(append(append(networkFlags(), bridgeFlags()...), deviceFlags()...), cgroupFlags()...), append(processFlags(), healthFlags()...)...)...)
}

// createOptions maps the flags of create and run to container.CreateOptions; every value is checked
// here, before the store is opened.
func createOptions(c *cli.Context) (container.CreateOptions, error) {
	if c.NArg() == 0 {
		return container.CreateOptions{}, fmt.Errorf("%s: no image given: use %s [OPTIONS] IMAGE [COMMAND [ARG...]]", c.Command.Name, c.Command.HelpName)
	}
	mod, err := moduleDefaults(c) // --module (module.go)
	if err != nil {
		return container.CreateOptions{}, err
	}
	env, err := container.ParseEnv(append(mod.Env, c.StringSlice("env")...), c.StringSlice("env-file"), os.LookupEnv)
	if err != nil {
		return container.CreateOptions{}, err
	}
	labels, err := container.ParseLabels(c.StringSlice("label"))
	if err != nil {
		return container.CreateOptions{}, err
	}
	mf := mountflag.Flags{Volumes: append(mod.Volumes, c.StringSlice("volume")...), Mounts: c.StringSlice("mount"), Tmpfs: c.StringSlice("tmpfs"),
		VolumesFrom: c.StringSlice("volumes-from")}
	specs, from, err := mountflag.Parse(mf)
	if err != nil {
		return container.CreateOptions{}, err
	}
	if err := volume.CheckSpecs(specs); err != nil {
		return container.CreateOptions{}, err
	}
	mode, err := userns.ParseMode(flagOr(c, "userns", mod.UserNS), c.StringSlice("uidmap"), c.StringSlice("gidmap"))
	if err != nil {
		return container.CreateOptions{}, err
	}
	o := container.CreateOptions{
		Mounts:        specs,
		VolumesFrom:   from,
		UserNS:        mode,
		GroupAdd:      c.StringSlice("group-add"),
		Image:         c.Args().First(),
		Command:       c.Args().Tail(),
		Name:          c.String("name"),
		Env:           env,
		WorkingDir:    c.String("workdir"),
		User:          c.String("user"),
		Hostname:      c.String("hostname"),
		Labels:        labels,
		Terminal:      c.Bool("tty"),
		Interactive:   c.Bool("interactive"),
		AutoRemove:    c.Bool("rm"),
		Init:          c.Bool("init"),
		ReadOnly:      c.Bool("read-only"),
		Privileged:    c.Bool("privileged"),
		CapAdd:        splitCommas(c.StringSlice("cap-add")),
		CapDrop:       splitCommas(c.StringSlice("cap-drop")),
		SecurityOpts:  c.StringSlice("security-opt"),
		Ulimits:       c.StringSlice("ulimit"),
		PullWriter:    os.Stderr,
		Replace:       c.Bool("replace"),
		CIDFile:       c.String("cidfile"),
		Runtime:       c.String("runtime"),
		CreateCommand: os.Args,
		SdNotify:      c.String("sdnotify"),
	}
	if err := lifecycleOptions(c, &o); err != nil { // --pull, --log-driver, --stop-signal, --restart
		return o, err
	}
	if o.Network, err = networkOptions(c); err != nil {
		return o, err
	}
	if o.Cgroup, err = cgroupOptions(c); err != nil { // resourceflags.go
		return o, err
	}
	if err := processOptions(c, &o); err != nil { // processflags.go
		return o, err
	}
	if o.Health, err = healthOptions(c); err != nil { // healthflags.go
		return o, err
	}
	if err := deviceOptions(c, &o); err != nil { // --device, --gpus (devices.go)
		return o, err
	}
	o.UserNSFromModule = !c.IsSet("userns") && mod.UserNS != ""
	if err := applyModule(c, mod, &o); err != nil { // --ipc, --pid and the module's defaults (module.go)
		return o, err
	}
	if o.Replace && o.Name == "" {
		return o, errors.New("--replace needs --name: it replaces the container of that name")
	}
	if c.IsSet("entrypoint") {
		o.EntrypointSet = true
		if s := c.String("entrypoint"); s != "" {
			o.Entrypoint = []string{s}
		}
	}
	if c.IsSet("stop-timeout") {
		t := c.Uint("stop-timeout")
		o.StopTimeout = &t
	}
	o.System.AuthFile = c.String("authfile")
	if c.IsSet("tls-verify") && !c.Bool("tls-verify") {
		o.System.SkipTLSVerify = types.OptionalBoolTrue
	}
	return o, nil
}

// lifecycleOptions parses the flags of create and run that decide how the container is pulled, logs,
// stops and restarts: --pull, --log-driver, --stop-signal, --restart and --sdnotify.
func lifecycleOptions(c *cli.Context, o *container.CreateOptions) error {
	var err error
	if o.Pull, err = container.ParsePullPolicy(c.String("pull")); err != nil {
		return err
	}
	if o.LogDriver, err = container.ParseLogDriver(c.String("log-driver")); err != nil {
		return err
	}
	if s := c.String("stop-signal"); s != "" {
		if o.StopSignal, err = container.ParseSignal(s); err != nil {
			return fmt.Errorf("--stop-signal: %w", err)
		}
	}
	if o.Restart, err = systemd.ParseRestartPolicy(c.String("restart")); err != nil {
		return err
	}
	if s := c.String("sdnotify"); s != "" {
		if _, err := notify.ParseMode(s); err != nil {
			return err
		}
	}
	return nil
}

func splitCommas(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
