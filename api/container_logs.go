package api

import (
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/docker/docker/pkg/stdcopy"

	"github.com/skiffproject/skiff/container"
)

// flushWriter sends every write to the client at once (a followed log is a stream), one at a time.
type flushWriter struct {
	mu *sync.Mutex
	w  io.Writer
	rc *http.ResponseController
}

func (f flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.w.Write(p)
	if err == nil {
		err = f.rc.Flush()
	}
	return n, err
}

// containerLogs answers GET /containers/{name}/logs: the container's log, multiplexed unless it has a
// TTY, followed with follow=1. A client that goes away ends the request (its context), not the
// container.
func (s *Server) containerLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	withOut, withErr := boolParam(r, "stdout"), boolParam(r, "stderr")
	if !withOut && !withErr {
		return badParameter("logs: you must choose at least one stream (stdout=1 or stderr=1)")
	}
	o := container.LogsOptions{Follow: boolParam(r, "follow"), Timestamps: boolParam(r, "timestamps"), Tail: -1}
	if t := q.Get("tail"); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return badParameter("logs: tail=%q: want a number of lines or all", t)
		}
		o.Tail = n
	}
	var err error
	if o.Since, err = timeParam(r, "since"); err != nil {
		return err
	}
	if o.Until, err = timeParam(r, "until"); err != nil {
		return err
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	tty := c.Config.Terminal
	media := mediaRawStream
	if !tty && !versionLess(apiVersion(r), "1.42") {
		media = mediaMultiplexedStream
	}
	w.Header().Set("Content-Type", media)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	var out io.Writer = flushWriter{&sync.Mutex{}, w, rc}
	o.Out, o.Err = io.Discard, io.Discard
	stdout, stderr := out, out
	if !tty {
		stdout, stderr = stdcopy.NewStdWriter(out, stdcopy.Stdout), stdcopy.NewStdWriter(out, stdcopy.Stderr)
	}
	if withOut {
		o.Out = stdout
	}
	if withErr {
		o.Err = stderr
	}
	return e.Logs(r.Context(), c.ID, o)
}
