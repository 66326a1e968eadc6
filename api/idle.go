package api

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// idleTracker counts the server's open connections, hijacked ones included, and fires once none has
// been open for its timeout (as Podman's service does, so that socket activation can start it again).
type idleTracker struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	timeout time.Duration
	timer   *time.Timer
	done    chan struct{}
	fired   bool
}

func newIdleTracker(timeout time.Duration) *idleTracker {
	t := &idleTracker{conns: map[net.Conn]struct{}{}, timeout: timeout, done: make(chan struct{})}
	if timeout > 0 {
		t.timer = time.AfterFunc(timeout, t.fire)
	}
	return t
}

// expired is closed when the timeout passed with no open connection; never with a timeout of 0.
func (t *idleTracker) expired() <-chan struct{} { return t.done }

func (t *idleTracker) fire() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.conns) == 0 && !t.fired {
		t.fired = true
		close(t.done)
	}
}

// connState is the http.Server's ConnState hook. A hijacked connection stays counted until the
// handler that hijacked it calls closed.
func (t *idleTracker) connState(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew, http.StateActive, http.StateIdle, http.StateHijacked:
		t.add(c)
	case http.StateClosed:
		t.closed(c)
	}
}

func (t *idleTracker) add(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.conns[c] = struct{}{}
	if t.timer != nil {
		t.timer.Stop()
	}
}

// closed forgets c and starts the countdown when it was the last connection.
func (t *idleTracker) closed(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.conns[c]; !ok {
		return
	}
	delete(t.conns, c)
	if len(t.conns) == 0 && t.timer != nil {
		t.timer.Reset(t.timeout)
	}
}
