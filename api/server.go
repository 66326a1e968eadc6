package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/containers/storage"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/system"
)

// API versions: the one the server reports and the oldest a client may ask for.
const (
	APIVersion    = "1.44"
	MinAPIVersion = "1.24"
)

// Options configure a Server.
type Options struct {
	// Store is the user's opened container storage; the server never closes it.
	Store storage.Store
	// Engine configures the container engines the handlers open over Store.
	Engine container.EngineOptions
	// Version is skiff's own version, for /version and /info.
	Version system.VersionInfo
	// IdleTimeout ends Serve after this long without an open connection; 0 = never.
	IdleTimeout time.Duration
	// Storage are the global storage flags the store was opened with: the build helper opens the same
	// store in a process of its own.
	Storage build.StorageOptions
}

// Server answers the Docker Engine API.
type Server struct {
	opts   Options
	http   *http.Server
	idle   *idleTracker
	attach attachSessions
	execs  execSessions
}

// New returns a server over opts.Store.
func New(opts Options) *Server {
	s := &Server{opts: opts}
	s.attach = attachSessions{pending: map[string]*pendingAttach{}, exits: map[string]int{}}
	s.execs = execSessions{byID: map[string]*execSession{}}
	s.idle = newIdleTracker(opts.IdleTimeout)
	s.http = &http.Server{
		Handler:           s.router(),
		ReadHeaderTimeout: 30 * time.Second,
		ConnState:         s.idle.connState,
		ErrorLog:          nil,
	}
	if opts.IdleTimeout > 0 {
		// A client's idle keep-alive connection counts as open; close it after the same time so that a
		// client which keeps it does not keep the service alive forever.
		s.http.IdleTimeout = opts.IdleTimeout
	}
	return s
}

// Serve answers requests on l until ctx ends or the server has had no open connection for the idle
// timeout. Connections being served when ctx ends are given a few seconds to finish.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve the API on %s: %w", l.Addr(), err)
	case <-ctx.Done():
		logrus.Debugf("api: %v, shutting down", context.Cause(ctx))
	case <-s.idle.expired():
		logrus.Debugf("api: no connection for %s, shutting down", s.opts.IdleTimeout)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut the API server down: %w", err)
	}
	return nil
}

// containers returns a container engine over the server's store. Each request gets its own: an Engine
// caches runtimes without a lock, and the engine's record locks already order concurrent requests.
func (s *Server) containers() *container.Engine {
	return container.New(s.opts.Store, s.opts.Engine)
}
