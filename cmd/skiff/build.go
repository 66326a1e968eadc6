package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/userns"
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "build an image from a Containerfile or Dockerfile",
		ArgsUsage: "[CONTEXT|-]\n\nEXAMPLE:\n   skiff build -t localhost/app:1 .\n   tar -c . | skiff build -t app -",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "tag", Aliases: []string{"t"}, Usage: "name the image `NAME[:TAG]` (repeatable)"},
			&cli.StringSliceFlag{Name: "file", Aliases: []string{"f"}, Usage: "the Containerfile `FILE` (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile)"},
			&cli.StringSliceFlag{Name: "build-arg", Usage: "set the build argument `ARG=VALUE` (repeatable)"},
			&cli.StringFlag{Name: "target", Usage: "build up to the stage `NAME`"},
			&cli.BoolFlag{Name: "no-cache", Usage: "do not use cached layers"},
			&cli.StringFlag{Name: "pull", Value: build.PullMissing, Usage: "pull base images: always, missing, never or newer (--pull alone is always)"},
			&cli.BoolFlag{Name: "layers", Value: true, Usage: "keep an image per step and use them as the cache"},
			&cli.StringSliceFlag{Name: "label", Usage: "set the image label `KEY=VALUE` (repeatable)"},
			&cli.StringFlag{Name: "iidfile", Usage: "write the image ID to `FILE`"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image ID"},
			&cli.BoolFlag{Name: "squash", Usage: "make one new layer of all the build's changes"},
			&cli.StringFlag{Name: "format", Value: "oci", Usage: "image `FORMAT`: oci or docker (docker keeps HEALTHCHECK, ONBUILD, SHELL)"},
			&cli.StringFlag{Name: "network", Usage: "RUN steps' `NETWORK`: private (slirp4netns), pasta, host or none"},
			&cli.StringSliceFlag{Name: "secret", Usage: "a secret for RUN --mount=type=secret: `id=ID,src=FILE` (repeatable)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("build takes at most one context, got %d arguments (see 'skiff build --help')", c.NArg())
			}
			o, cleanup, err := buildOptions(c)
			if cleanup != nil {
				defer cleanup()
			}
			if err != nil {
				return err
			}
			helper, err := build.Helper()
			if err != nil {
				return err
			}
			if err := userns.Enter(); err != nil {
				return err
			}
			rt, err := oci.Find(o.Runtime, "")
			if err != nil {
				return err
			}
			o.Runtime = rt.Path
			code, err := build.Run(c.Context, helper, o, os.Stdin, c.App.Writer, c.App.ErrWriter)
			if err != nil {
				return err
			}
			if code != 0 {
				return withCode(code, nil)
			}
			return nil
		},
	}
}

// buildOptions turns the flags and the context argument into build.Options and checks them. cleanup
// removes a context extracted from stdin.
func buildOptions(c *cli.Context) (*build.Options, func(), error) {
	o := &build.Options{
		Target: c.String("target"), NoCache: c.Bool("no-cache"), Pull: c.String("pull"), Layers: c.Bool("layers"),
		Labels: c.StringSlice("label"), IIDFile: c.String("iidfile"), Quiet: c.Bool("quiet"), Squash: c.Bool("squash"),
		Format: c.String("format"), Network: c.String("network"), Secrets: c.StringSlice("secret"),
		// Debian's crun 1.8.1 rejects the spec buildah writes; runc takes it.
		Runtime: "runc",
		Storage: build.StorageOptions{GraphRoot: c.String("root"), RunRoot: c.String("runroot"),
			Driver: c.String("storage-driver"), DriverOptions: c.StringSlice("storage-opt")},
	}
	if c.IsSet("runtime") {
		o.Runtime = c.String("runtime")
	}
	if o.Pull == "true" {
		o.Pull = build.PullAlways
	} else if o.Pull == "false" {
		o.Pull = build.PullMissing
	}
	if o.Network == "private" {
		o.Network = ""
	}
	for _, t := range c.StringSlice("tag") {
		named, err := image.NormalizeName(t)
		if err != nil {
			return nil, nil, fmt.Errorf("build -t %s: %w", t, err)
		}
		o.Tags = append(o.Tags, named.String())
	}
	if len(c.StringSlice("build-arg")) > 0 {
		o.BuildArgs = map[string]string{}
		for _, a := range c.StringSlice("build-arg") {
			k, v, ok := strings.Cut(a, "=")
			if k == "" {
				return nil, nil, fmt.Errorf("build --build-arg %q: want ARG=VALUE", a)
			}
			if !ok {
				v, ok = os.LookupEnv(k)
				if !ok {
					continue // Podman: an unset variable leaves the argument to its default
				}
			}
			o.BuildArgs[k] = v
		}
	}
	ctxArg := c.Args().First()
	if ctxArg == "" {
		ctxArg = "."
	}
	var cleanup func()
	if ctxArg == "-" {
		dir, err := build.ContextFromTar(os.Stdin)
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		ctxArg = dir
	}
	abs, err := filepath.Abs(ctxArg)
	if err != nil {
		return nil, cleanup, fmt.Errorf("build context %s: %w", ctxArg, err)
	}
	o.ContextDir = abs
	for _, f := range c.StringSlice("file") {
		if !filepath.IsAbs(f) {
			// Podman: -f relative to the current directory, else to the context.
			if _, err := os.Stat(f); err != nil {
				f = filepath.Join(abs, f)
			}
			f, _ = filepath.Abs(f)
		}
		o.Dockerfiles = append(o.Dockerfiles, f)
	}
	return o, cleanup, o.Check()
}
