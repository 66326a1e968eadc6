// Command skiff-build is the helper `skiff build` runs: it reads build.Options as JSON from file
// descriptor 3, opens the user's store and builds with buildah's imagebuildah. It lives in a module of
// its own so that buildah's package inits and dependency versions stay out of skiff (see package build).
// skiff starts it inside the user's namespace; it is not meant to be run by hand.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/containers/buildah"
	"github.com/containers/buildah/imagebuildah"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/fuseoverlay"
	_ "github.com/skiffproject/skiff/userns" // skip-joins when started inside the namespace, as skiff does
)

const exitEngine = 125

func main() {
	if buildah.InitReexec() {
		return
	}
	os.Exit(run())
}

func run() int {
	logrus.SetLevel(logrus.WarnLevel)
	if lvl, err := logrus.ParseLevel(os.Getenv("SKIFF_BUILD_LOG_LEVEL")); err == nil {
		logrus.SetLevel(lvl)
	}
	f := os.NewFile(3, "options")
	if f == nil {
		fmt.Fprintln(os.Stderr, "Error: skiff-build is started by skiff build: run skiff build")
		return exitEngine
	}
	var o build.Options
	if err := json.NewDecoder(f).Decode(&o); err != nil {
		fmt.Fprintf(os.Stderr, "Error: skiff-build: read the build options: %v (run skiff build)\n", err)
		return exitEngine
	}
	f.Close()
	if err := checkDockerfiles(o.Dockerfiles); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return exitEngine
	}
	store, err := fuseoverlay.Open(fuseoverlay.Options{
		GraphRoot: o.Storage.GraphRoot, RunRoot: o.Storage.RunRoot,
		Driver: o.Storage.Driver, DriverOptions: o.Storage.DriverOptions,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return exitEngine
	}
	defer func() { _, _ = store.Shutdown(false) }()
	bo, err := buildOptions(&o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return exitEngine
	}
	files := o.Dockerfiles
	if singleMapping() {
		tmp, err := os.MkdirTemp("", "skiff-build-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "Error: %v\n", err)
			return exitEngine
		}
		defer os.RemoveAll(tmp)
		if files, err = dropChowns(files, tmp); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %v\n", err)
			return exitEngine
		}
	}
	id, _, err := imagebuildah.BuildDockerfiles(context.Background(), store, bo, files...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", describe(err))
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return ee.ExitCode()
		}
		return exitEngine
	}
	_ = id // buildah printed it (to stdout, or to --iidfile)
	return 0
}
