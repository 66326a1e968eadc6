package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/docker/pkg/streamformatter"

	skbuild "github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/runtime/oci"
)

// buildImage answers POST /build: the classic builder's API, which the docker CLI (without buildx) and
// docker compose use. The body is the build context as a tar (gzip and the like are recognized); the
// build runs in skiff-build, skiff build's helper, with the typed options `skiff build` gives it. The
// answer streams the build's output as {"stream": …} lines and ends with {"aux": {"ID": …}}; a failing
// step ends it with an error line carrying the step's exit code.
//
// Credentials for base images come from the user's auth files (~/.docker/config.json among them), the
// same ones the docker CLI reads to fill the X-Registry-Config header.
func (s *Server) buildImage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.buildOptions(r)
	if err != nil {
		return err
	}
	helper, err := skbuild.Helper()
	if err != nil {
		return err
	}
	rt, err := oci.Find(o.Runtime, "")
	if err != nil {
		return err
	}
	o.Runtime = rt.Path
	dir, err := skbuild.ContextFromTar(r.Body)
	if err != nil {
		return badParameter("%v", err)
	}
	defer os.RemoveAll(dir)
	o.ContextDir = dir
	dockerfile := r.URL.Query().Get("dockerfile")
	if dockerfile != "" {
		if !filepath.IsLocal(dockerfile) {
			return badParameter("build: dockerfile %q: want a path inside the build context", dockerfile)
		}
		o.Dockerfiles = []string{filepath.Join(dir, dockerfile)}
	}
	if err := o.Check(); err != nil {
		return badParameter("%v", err)
	}
	iid, err := os.MkdirTemp("", "skiff-build-iid-")
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	defer os.RemoveAll(iid)
	o.IIDFile = filepath.Join(iid, "id")
	stream := newJSONStream(w)
	stream.Begin()
	out := streamformatter.NewStdoutWriter(stream)
	code, err := skbuild.Run(r.Context(), helper, o, strings.NewReader(""), out, out)
	if err != nil {
		return stream.Finish(err)
	}
	if code != 0 {
		return stream.Finish(&jsonmessage.JSONError{Code: code, Message: fmt.Sprintf("build: a step failed with exit code %d", code)})
	}
	b, err := os.ReadFile(o.IIDFile)
	if err != nil {
		return stream.Finish(fmt.Errorf("build: read the image ID: %w", err))
	}
	id := imageID(strings.TrimSpace(string(b)))
	if o.Quiet {
		fmt.Fprintf(out, "%s\n", id)
	} else {
		// The helper has printed "Successfully tagged NAME" for each tag already.
		fmt.Fprintf(out, "Successfully built %s\n", strings.TrimPrefix(id, "sha256:")[:12])
	}
	stream.Aux(build.Result{ID: id})
	return stream.Finish(nil)
}

// buildOptions turns the query into skiff build's options. Parameters the classic builder has and
// skiff's does not are refused with a 400 naming them, never ignored.
func (s *Server) buildOptions(r *http.Request) (*skbuild.Options, error) {
	q := r.URL.Query()
	o := &skbuild.Options{
		Target: q.Get("target"), NoCache: boolParam(r, "nocache"), Pull: skbuild.PullMissing, Layers: true,
		Quiet: boolParam(r, "q"), Squash: boolParam(r, "squash"),
		// Docker's builder makes Docker images: HEALTHCHECK, ONBUILD and SHELL survive.
		Format:  "docker",
		Runtime: "runc", // as skiff build: Debian's crun 1.8.1 rejects the spec buildah writes
		Storage: s.opts.Storage,
	}
	if s.opts.Engine.Runtime != "" {
		o.Runtime = s.opts.Engine.Runtime
	}
	if boolParam(r, "pull") {
		o.Pull = skbuild.PullAlways
	}
	if err := refuseBuildParams(r); err != nil {
		return nil, err
	}
	switch v := q.Get("version"); v {
	case "", "1":
	default:
		return nil, badParameter("build: builder version %q: skiff has the classic builder only (version=1); unset DOCKER_BUILDKIT or set DOCKER_BUILDKIT=0", v)
	}
	switch n := q.Get("networkmode"); n {
	case "", "default", "bridge":
	case "host", "none":
		o.Network = n
	default:
		return nil, badParameter("build: networkmode %q: a build's RUN steps take default, host or none", n)
	}
	if p := q.Get("platform"); p != "" && p != runtime.GOOS+"/"+runtime.GOARCH {
		return nil, badParameter("build: platform %q: skiff builds for this machine's platform, %s/%s, only", p, runtime.GOOS, runtime.GOARCH)
	}
	for _, t := range q["t"] {
		named, err := image.NormalizeName(t)
		if err != nil {
			return nil, badParameter("build: tag %s: %v", t, err)
		}
		o.Tags = append(o.Tags, named.String())
	}
	if raw := q.Get("buildargs"); raw != "" {
		var args map[string]*string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			return nil, badParameter("build: buildargs %q: want a JSON object of strings: %v", raw, err)
		}
		o.BuildArgs = map[string]string{}
		for k, v := range args {
			if v != nil { // null: the client had no value for it, the Dockerfile's default stands
				o.BuildArgs[k] = *v
			}
		}
	}
	if raw := q.Get("labels"); raw != "" {
		var labels map[string]string
		if err := json.Unmarshal([]byte(raw), &labels); err != nil {
			return nil, badParameter("build: labels %q: want a JSON object of strings: %v", raw, err)
		}
		for k, v := range labels {
			o.Labels = append(o.Labels, k+"="+v)
		}
	}
	return o, nil
}

// refuseBuildParams refuses the classic builder's parameters that skiff's builder has no equivalent
// for, when they ask for something other than the default.
func refuseBuildParams(r *http.Request) error {
	q := r.URL.Query()
	if v := q.Get("rm"); v != "" && !boolParam(r, "rm") {
		return badParameter("build: rm=0 (keep intermediate containers) is not supported: skiff's builder always removes them")
	}
	zero := map[string]bool{"": true, "0": true, "null": true, "[]": true, "{}": true}
	for _, p := range []string{"remote", "extrahosts", "shmsize", "memory", "memswap", "cpushares", "cpusetcpus",
		"cpusetmems", "cpuperiod", "cpuquota", "cgroupparent", "ulimits", "cachefrom", "securityopt", "isolation",
		"outputs", "session"} {
		for _, v := range q[p] {
			if !zero[v] && !(p == "isolation" && v == "default") {
				return badParameter("build: parameter %s=%q is not supported by skiff's builder", p, v)
			}
		}
	}
	return nil
}
