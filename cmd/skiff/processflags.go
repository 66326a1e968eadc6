package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/cgroups"
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
)

// proxyVars are the variables --http-proxy (on by default, as in Podman) passes from skiff's environment.
var proxyVars = []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ftp_proxy", "FTP_PROXY", "no_proxy", "NO_PROXY"}

// processFlags are the namespace and process-environment flags of create and run.
func processFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ipc", Usage: "IPC namespace `MODE`: private, shareable, host, none or container:NAME"},
		&cli.StringFlag{Name: "pid", Usage: "PID namespace `MODE`: private, host or container:NAME"},
		&cli.StringFlag{Name: "uts", Usage: "UTS namespace `MODE`: private, host or container:NAME"},
		&cli.StringFlag{Name: "shm-size", Usage: "`SIZE` of /dev/shm (default 64m)"},
		&cli.StringSliceFlag{Name: "sysctl", Usage: "set the namespaced sysctl `NAME=VALUE`"},
		&cli.StringFlag{Name: "oom-score-adj", Usage: "the container process's OOM score `ADJUSTMENT` (-1000 to 1000)"},
		&cli.StringFlag{Name: "tz", Usage: "time `ZONE` of the container (Asia/Tokyo), or local for the host's"},
		&cli.BoolFlag{Name: "env-host", Usage: "pass skiff's whole environment to the container"},
		&cli.StringSliceFlag{Name: "unsetenv", Usage: "remove the environment variable `NAME`, defaults included"},
		&cli.StringSliceFlag{Name: "annotation", Usage: "add the OCI annotation `KEY=VALUE`"},
		&cli.BoolFlag{Name: "http-proxy", Value: true, Usage: "pass skiff's proxy variables (http_proxy, https_proxy, ftp_proxy, no_proxy) to the container"},
		&cli.StringSliceFlag{Name: "hostuser", Usage: "add the host's user `NAME` to the container's /etc/passwd"},
		&cli.StringFlag{Name: "pidfile", Usage: "write the container's PID to `FILE` at each start"},
		&cli.StringFlag{Name: "conmon-pidfile", Usage: "write the monitor's PID to `FILE` at each start"},
		&cli.StringSliceFlag{Name: "requires", Usage: "start `CONTAINER` (comma separated) before this one"},
		&cli.StringFlag{Name: "platform", Usage: "the image's `OS/ARCH` (only this host's)"},
		&cli.StringFlag{Name: "systemd", Value: "true", Usage: "run systemd as PID 1 (`MODE` true: when the command is an init; always; false)"},
		&cli.UintFlag{Name: "timeout", Usage: "kill the container (SIGKILL) after it ran `SECONDS` (0: never)"},
		&cli.BoolFlag{Name: "rmi", Usage: "remove the image after the container, unless another container uses it (implies --rm)"},
		&cli.StringSliceFlag{Name: "log-opt", Usage: "logging `OPTION`: path=FILE, max-size=SIZE (rotates to FILE.1), tag=TAG (journald)"},
		&cli.StringSliceFlag{Name: "secret", Usage: "give the container the secret `NAME[,type=mount|env][,target=T]` (at /run/secrets/NAME by default)"},
	}
}

// processOptions reads the namespace and process-environment flags into o.
func processOptions(c *cli.Context, o *container.CreateOptions) error {
	p := container.ProcessOptions{IPC: c.String("ipc"), PID: c.String("pid"), UTS: c.String("uts"), TZ: c.String("tz"),
		Unsetenv: splitCommas(c.StringSlice("unsetenv")), HostUsers: splitCommas(c.StringSlice("hostuser")),
		Requires: splitCommas(c.StringSlice("requires"))}
	if pl := c.String("platform"); pl != "" {
		if err := container.ParsePlatform(pl); err != nil {
			return err
		}
		var err error
		if o.System.OS, o.System.Arch, o.System.Variant, err = image.ParsePlatform(pl); err != nil {
			return err
		}
	}
	if c.IsSet("shm-size") {
		n, err := cgroups.ParseMemory("--shm-size", c.String("shm-size"))
		if err != nil || n <= 0 {
			return fmt.Errorf("--shm-size %q: want a size such as 128m", c.String("shm-size"))
		}
		p.ShmSize = n
	}
	for _, kv := range c.StringSlice("sysctl") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--sysctl %q: want NAME=VALUE", kv)
		}
		if p.Sysctls == nil {
			p.Sysctls = map[string]string{}
		}
		p.Sysctls[k] = v
	}
	if c.IsSet("oom-score-adj") {
		var n int
		if _, err := fmt.Sscan(c.String("oom-score-adj"), &n); err != nil {
			return fmt.Errorf("--oom-score-adj %q: want a number from -1000 to 1000", c.String("oom-score-adj"))
		}
		p.OOMScoreAdj = &n
	}
	for _, f := range []struct {
		flag string
		dst  *string
	}{{"pidfile", &p.PidFile}, {"conmon-pidfile", &p.ConmonPidFile}} {
		if v := c.String(f.flag); v != "" {
			abs, err := filepath.Abs(v)
			if err != nil {
				return fmt.Errorf("--%s %s: %w", f.flag, v, err)
			}
			*f.dst = abs
		}
	}
	for _, kv := range c.StringSlice("annotation") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--annotation %q: want KEY=VALUE", kv)
		}
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[k] = v
	}
	if c.Bool("env-host") {
		o.BaseEnv = append(o.BaseEnv, os.Environ()...)
	}
	if c.Bool("http-proxy") {
		for _, name := range proxyVars {
			if v, ok := os.LookupEnv(name); ok {
				o.BaseEnv = append(o.BaseEnv, name+"="+v)
			}
		}
	}
	for _, v := range c.StringSlice("secret") {
		r, err := container.ParseSecret(v)
		if err != nil {
			return err
		}
		o.Secrets = append(o.Secrets, r)
	}
	p.Timeout = time.Duration(c.Uint("timeout")) * time.Second
	p.RemoveImage = c.Bool("rmi")
	p.Systemd = c.String("systemd")
	lo, err := container.ParseLogOpts(c.StringSlice("log-opt"))
	if err != nil {
		return err
	}
	o.LogOpts = lo
	o.Process = p
	return nil
}
