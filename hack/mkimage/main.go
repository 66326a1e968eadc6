package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mkimage: "+format+"\n", args...)
}

type config struct {
	registry string
	out      string
	reuse    bool
	force    bool
	verbose  bool
	opts     Options
}

func main() {
	var c config
	flag.StringVar(&c.registry, "registry", "127.0.0.1:5000", "registry to push to; empty to only build")
	flag.StringVar(&c.out, "out", "/var/tmp/skiff-images/layouts", "directory for the OCI layouts (one per image)")
	flag.StringVar(&c.opts.Busybox, "busybox", "/bin/busybox", "static busybox binary for the busybox and layers images")
	flag.StringVar(&c.opts.Rootfs, "rootfs", "", "debootstrap'ed root directory for the distro image")
	flag.BoolVar(&c.reuse, "reuse", false, "use an existing layout as it is instead of rebuilding it")
	flag.BoolVar(&c.force, "force", false, "push even when the registry has the same digest")
	flag.BoolVar(&c.verbose, "v", false, "show containers/image copy progress")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: mkimage [flags] IMAGE...\nIMAGE is one of: %s\n",
			strings.Join(specNames(), ", "))
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), &c, flag.Args()); err != nil {
		logf("%v", err)
		os.Exit(1)
	}
}

func specNames() []string {
	var names []string
	for n := range Specs(Options{}) {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func run(ctx context.Context, c *config, names []string) error {
	specs := Specs(c.opts)
	for _, n := range names {
		if _, ok := specs[n]; !ok {
			return fmt.Errorf("unknown image %q (known: %s)", n, strings.Join(specNames(), ", "))
		}
	}
	for _, n := range names {
		spec, err := specs[n]()
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		if err := buildAndPush(ctx, c, spec); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}

func buildAndPush(ctx context.Context, c *config, spec *Spec) error {
	dir := filepath.Join(c.out, spec.Name)
	start := time.Now()
	var (
		b   *Built
		err error
	)
	if c.reuse {
		b, err = LoadLayout(spec, dir)
		if err == nil {
			logf("%s: reusing layout %s (%s)", spec.Name, dir, b.ManifestDigest)
		} else if !errors.Is(err, errNoLayout) {
			return err
		}
	}
	if b == nil {
		if err := os.MkdirAll(c.out, 0o755); err != nil {
			return err
		}
		if b, err = BuildLayout(spec, dir); err != nil {
			return err
		}
		logf("%s: built %s in %s (%s)", spec.Name, dir, time.Since(start).Round(time.Millisecond), b.ManifestDigest)
	}
	if c.registry == "" {
		return nil
	}

	var report io.Writer = io.Discard
	if c.verbose {
		report = os.Stderr
	}
	for _, tag := range spec.Tags {
		ref := fmt.Sprintf("%s/%s:%s", c.registry, spec.Name, tag)
		remote, err := RemoteDigest(ctx, c.registry, spec.Name, tag)
		if err != nil {
			return err
		}
		if remote == b.ManifestDigest && !c.force {
			logf("%s: up to date (%s)", ref, remote)
			continue
		}
		start := time.Now()
		if err := Push(ctx, b, c.registry, spec.Name, tag, report); err != nil {
			return err
		}
		after, err := RemoteDigest(ctx, c.registry, spec.Name, tag)
		if err != nil {
			return err
		}
		if after != b.ManifestDigest {
			return fmt.Errorf("pushed %s but the registry serves %s, not %s", ref, after, b.ManifestDigest)
		}
		logf("%s: pushed in %s (%s)", ref, time.Since(start).Round(time.Millisecond), after)
	}
	return nil
}
