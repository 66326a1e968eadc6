package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/container"
)

// attachSessions holds the attach sessions waiting for their container's start (docker run attaches
// to the created container, then starts it) and the exit codes of the runs they streamed, for a wait
// whose container was removed (--rm) before it could read the code.
type attachSessions struct {
	mu      sync.Mutex
	pending map[string]*pendingAttach
	exits   map[string]int
}

// pendingAttachTimeout bounds the wait of an attach session for its container's start.
const pendingAttachTimeout = 2 * time.Minute

// pendingAttach is an attach session waiting for a start request.
type pendingAttach struct {
	startc chan chan error
}

func (s *Server) takeAttach(id string) *pendingAttach {
	s.attach.mu.Lock()
	defer s.attach.mu.Unlock()
	p := s.attach.pending[id]
	delete(s.attach.pending, id)
	return p
}

// start hands the start of c to the waiting attach session and returns once c runs, or with the
// error that kept it from running.
func (p *pendingAttach) start(ctx context.Context, s *Server, e *container.Engine, c *container.Container) error {
	done := make(chan error, 1)
	p.startc <- done
	prev := c.State.StartedAt
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			cur, err := e.Get(c.ID)
			if err == nil && !cur.State.StartedAt.IsZero() && !cur.State.StartedAt.Equal(prev) {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Server) recordExit(id string, code int) {
	s.attach.mu.Lock()
	defer s.attach.mu.Unlock()
	if len(s.attach.exits) > 1000 {
		clear(s.attach.exits)
	}
	s.attach.exits[id] = code
}

// exitAfterRemoval returns the exit code of removed container id: the one its attach session saw, or
// else code, the last one the caller saw.
func (s *Server) exitAfterRemoval(ctx context.Context, id string, code int) int {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		s.attach.mu.Lock()
		c, ok := s.attach.exits[id]
		s.attach.mu.Unlock()
		if ok {
			return c
		}
		time.Sleep(20 * time.Millisecond)
	}
	return code
}

// failWriter cancels the session when a write to the client fails: the client went away.
type failWriter struct {
	w      io.Writer
	cancel context.CancelFunc
}

func (f failWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err != nil {
		f.cancel()
	}
	return n, err
}

// attachContainer answers POST /containers/{name}/attach (hijacked). A running container is attached at
// once; a container that does not run is attached when a start request comes, which this session then
// carries out, so that no output is lost.
func (s *Server) attachContainer(w http.ResponseWriter, r *http.Request) error {
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	keys, err := detachKeys(r)
	if err != nil {
		return err
	}
	withStdin, withOut, withErr := boolParam(r, "stdin"), boolParam(r, "stdout"), boolParam(r, "stderr")
	running := c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused
	var p *pendingAttach
	if !running && boolParam(r, "stream") {
		// Registered before the client learns that the attach succeeded: its start request follows at
		// once and must find the session.
		p = &pendingAttach{startc: make(chan chan error, 1)}
		s.attach.mu.Lock()
		s.attach.pending[c.ID] = p
		s.attach.mu.Unlock()
	}
	st, err := s.hijack(w, r, c.Config.Terminal)
	if err != nil {
		if p != nil {
			s.takeAttach(c.ID)
		}
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	streams := container.Streams{Out: io.Discard, Err: io.Discard}
	if withOut {
		streams.Out = failWriter{st.Stdout, cancel}
	}
	if withErr {
		streams.Err = failWriter{st.Stderr, cancel}
	}
	if withStdin {
		streams.In = st.Stdin
	}
	if boolParam(r, "logs") {
		if err := e.Logs(ctx, c.ID, container.LogsOptions{Tail: -1, Out: streams.Out, Err: streams.Err}); err != nil {
			logrus.Debugf("api: attach %s: past logs: %v", c.ID, err)
		}
	}
	if !boolParam(r, "stream") {
		st.CloseWrite()
		return nil
	}
	o := container.AttachOptions{Streams: streams, DetachKeys: keys, NoStdin: !withStdin}
	if p == nil {
		code, err := e.Attach(ctx, c.ID, o)
		s.endAttach(st, c.ID, code, err)
		return nil
	}
	var done chan error
	select {
	case done = <-p.startc:
	case <-time.After(pendingAttachTimeout):
		// No start came (the client may be gone): end the session so that the service can go idle.
		if s.takeAttach(c.ID) == p {
			s.endAttach(st, c.ID, 0, fmt.Errorf("attach to container %s: not started within %s", c.Name(), pendingAttachTimeout))
			return nil
		}
		done = <-p.startc // a start took the session meanwhile
	}
	_, code, err := e.Start(ctx, c.ID, container.StartOptions{Attach: true, Interactive: withStdin, AttachOpts: o})
	done <- err
	s.endAttach(st, c.ID, code, err)
	return nil
}

// endAttach ends a session: the exit code is kept for wait, the client told that the output ended.
func (s *Server) endAttach(st *stream, id string, code int, err error) {
	switch {
	case err == nil:
		s.recordExit(id, code)
	case errors.Is(err, container.ErrDetached), errors.Is(err, context.Canceled):
	default:
		logrus.Debugf("api: attach %s: %v", id, err)
		_, _ = io.WriteString(st.Stderr, err.Error()+"\n")
	}
	st.CloseWrite()
}

// detachKeys reads ?detachKeys= (Docker's default ctrl-p,ctrl-q when absent).
func detachKeys(r *http.Request) ([]byte, error) {
	spec := container.DefaultDetachKeys
	if v, ok := r.URL.Query()["detachKeys"]; ok {
		spec = v[0]
	}
	keys, err := container.DetachKeys(spec)
	if err != nil {
		return nil, badParameter("%v", err)
	}
	return keys, nil
}

// resizeParams reads the terminal size of a resize request: h and w, each 1 to 65535.
func resizeParams(r *http.Request) (h, w int, err error) {
	if h, err = intParam(r, "h", 0); err != nil {
		return 0, 0, err
	}
	if w, err = intParam(r, "w", 0); err != nil {
		return 0, 0, err
	}
	if h <= 0 || w <= 0 || h > 65535 || w > 65535 {
		return 0, 0, badParameter("resize: want h and w between 1 and 65535")
	}
	return h, w, nil
}

func (s *Server) resizeContainer(w http.ResponseWriter, r *http.Request) error {
	h, wd, err := resizeParams(r)
	if err != nil {
		return err
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if err := e.Resize(c.ID, uint16(h), uint16(wd)); err != nil {
		if errors.Is(err, container.ErrNotRunning) {
			return err
		}
		return badParameter("%v", err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
