package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	dcontainer "github.com/docker/docker/api/types/container"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/container"
)

// execSessions are the exec instances made by POST /containers/{name}/exec, by ID. They live as long
// as the service: Docker keeps them for inspection after the process exited.
type execSessions struct {
	mu   sync.Mutex
	byID map[string]*execSession
}

// execSession is one exec instance.
type execSession struct {
	ID          string
	ContainerID string
	Config      dcontainer.ExecOptions

	mu       sync.Mutex
	running  bool
	started  bool
	exitCode *int
	tty      *execTTY // while a TTY process runs
}

// maxExecSessions bounds the finished sessions kept for inspection.
const maxExecSessions = 1000

func (s *Server) execRoutes() []route {
	post := []string{http.MethodPost}
	return []route{
		{post, "/containers/{name}/exec", s.createExec},
		{post, "/exec/{id}/start", s.startExec},
		{post, "/exec/{id}/resize", s.resizeExec},
		{[]string{http.MethodGet}, "/exec/{id}/json", s.inspectExec},
	}
}

func (s *Server) createExec(w http.ResponseWriter, r *http.Request) error {
	var cfg dcontainer.ExecOptions
	if err := decodeJSON(r, &cfg); err != nil {
		return err
	}
	if len(cfg.Cmd) == 0 {
		return badParameter("exec: no command (Cmd)")
	}
	if _, err := container.DetachKeys(cfg.DetachKeys); err != nil {
		return badParameter("exec: %v", err)
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if c.State.Status != container.StatusRunning {
		return &statusError{msg: fmt.Sprintf("container %s is not running", c.ID), class: ErrConflict}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("exec: make an ID: %w", err)
	}
	x := &execSession{ID: hex.EncodeToString(b), ContainerID: c.ID, Config: cfg}
	s.execs.mu.Lock()
	if len(s.execs.byID) >= maxExecSessions {
		for id, old := range s.execs.byID {
			old.mu.Lock()
			done := old.started && !old.running
			old.mu.Unlock()
			if done {
				delete(s.execs.byID, id)
			}
		}
	}
	s.execs.byID[x.ID] = x
	s.execs.mu.Unlock()
	writeJSON(w, http.StatusCreated, dcontainer.ExecCreateResponse{ID: x.ID})
	return nil
}

func (s *Server) execSession(r *http.Request) (*execSession, error) {
	id := pathVar(r, "id")
	s.execs.mu.Lock()
	defer s.execs.mu.Unlock()
	x := s.execs.byID[id]
	if x == nil {
		return nil, notFound("No such exec instance: %s", id)
	}
	return x, nil
}

// startExec runs the exec instance: detached, or hijacked with its streams (a TTY gets a pseudo
// terminal of the service's, whose size /exec/{id}/resize sets).
func (s *Server) startExec(w http.ResponseWriter, r *http.Request) error {
	var o dcontainer.ExecStartOptions
	if err := decodeJSON(r, &o); err != nil {
		return err
	}
	x, err := s.execSession(r)
	if err != nil {
		return err
	}
	x.mu.Lock()
	if x.started {
		x.mu.Unlock()
		return &statusError{msg: "exec " + x.ID + " has already been started", class: ErrConflict}
	}
	x.started, x.running = true, true
	x.mu.Unlock()
	cfg := x.Config
	eo := container.ExecOptions{Cmd: cfg.Cmd, Env: cfg.Env, User: cfg.User, WorkingDir: cfg.WorkingDir,
		Interactive: cfg.AttachStdin, TTY: cfg.Tty, Privileged: cfg.Privileged}
	e := s.containers()
	if o.Detach {
		eo.Detach = true
		eo.Streams = container.Streams{Out: io.Discard, Err: io.Discard}
		code, err := e.Exec(context.WithoutCancel(r.Context()), x.ContainerID, eo)
		x.finish(code, err)
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
	st, err := s.hijack(w, r, cfg.Tty)
	if err != nil {
		x.finish(-1, err)
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	var code int
	if cfg.Tty {
		size := o.ConsoleSize
		if size == nil {
			size = cfg.ConsoleSize // docker exec sends it at create
		}
		code, err = s.execWithTTY(ctx, e, x, eo, st, size)
	} else {
		eo.Streams = container.Streams{Out: io.Discard, Err: io.Discard}
		if cfg.AttachStdout {
			eo.Streams.Out = failWriter{st.Stdout, cancel}
		}
		if cfg.AttachStderr {
			eo.Streams.Err = failWriter{st.Stderr, cancel}
		}
		if cfg.AttachStdin {
			eo.Streams.In = st.Stdin
		}
		code, err = e.Exec(ctx, x.ContainerID, eo)
	}
	x.finish(code, err)
	if err != nil && !errors.Is(err, context.Canceled) {
		_, _ = io.WriteString(st.Stderr, err.Error()+"\n")
	}
	st.CloseWrite()
	return nil
}

// execWithTTY runs the process on a pseudo terminal: the runtime takes it as its terminal, so its size
// reaches the process, and the session copies between it and the client.
func (s *Server) execWithTTY(ctx context.Context, e *container.Engine, x *execSession, eo container.ExecOptions, st *stream, size *[2]uint) (int, error) {
	t, err := openExecTTY()
	if err != nil {
		return -1, err
	}
	defer t.close()
	if size != nil && size[0] > 0 && size[1] > 0 {
		_ = t.resize(uint16(size[0]), uint16(size[1]))
	}
	x.mu.Lock()
	x.tty = t
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		x.tty = nil
		x.mu.Unlock()
	}()
	eo.Streams = container.Streams{In: t.slave, Out: t.slave, Err: t.slave}
	if x.Config.AttachStdin {
		go func() { _, _ = io.Copy(t.master, st.Stdin) }()
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(st.Stdout, t.master)
	}()
	code, err := e.Exec(ctx, x.ContainerID, eo)
	t.slave.Close() // the process is gone: the copy ends once the terminal is drained
	<-copied
	return code, err
}

func (x *execSession) finish(code int, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.running = false
	if err == nil {
		x.exitCode = &code
	} else {
		logrus.Debugf("api: exec %s: %v", x.ID, err)
		c := 126
		x.exitCode = &c
	}
}

func (s *Server) resizeExec(w http.ResponseWriter, r *http.Request) error {
	h, wd, err := resizeParams(r)
	if err != nil {
		return err
	}
	x, err := s.execSession(r)
	if err != nil {
		return err
	}
	x.mu.Lock()
	t, tty := x.tty, x.Config.Tty
	x.mu.Unlock()
	switch {
	case !tty:
		return badParameter("resize exec %s: it has no terminal (created without Tty)", x.ID)
	case t == nil:
		return &statusError{msg: "exec " + x.ID + " is not running", class: ErrConflict}
	}
	if err := t.resize(uint16(h), uint16(wd)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// execInspect is Docker's exec inspect document (the daemon's backend.ExecInspect).
type execInspect struct {
	ID            string
	Running       bool
	ExitCode      *int
	ProcessConfig execProcessConfig
	OpenStdin     bool
	OpenStderr    bool
	OpenStdout    bool
	CanRemove     bool
	ContainerID   string
	DetachKeys    []byte
	Pid           int
}

type execProcessConfig struct {
	Tty        bool     `json:"tty"`
	Entrypoint string   `json:"entrypoint"`
	Arguments  []string `json:"arguments"`
	Privileged *bool    `json:"privileged,omitempty"`
	User       string   `json:"user,omitempty"`
}

func (s *Server) inspectExec(w http.ResponseWriter, r *http.Request) error {
	x, err := s.execSession(r)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	cfg := x.Config
	priv := cfg.Privileged
	out := execInspect{
		ID: x.ID, Running: x.running, ExitCode: x.exitCode, ContainerID: x.ContainerID,
		OpenStdin: cfg.AttachStdin, OpenStdout: cfg.AttachStdout, OpenStderr: cfg.AttachStderr,
		ProcessConfig: execProcessConfig{Tty: cfg.Tty, Entrypoint: cfg.Cmd[0], Arguments: cfg.Cmd[1:], Privileged: &priv, User: cfg.User},
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
