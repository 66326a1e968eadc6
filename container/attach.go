package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/skiffproject/skiff/runtime/monitor"
)

// Streams are the caller's standard streams for an attached container.
type Streams struct {
	// In is nil when the container's stdin is not attached. A terminal (*os.File) is put in raw mode
	// for a TTY container; any other reader (the API's hijacked connection) is copied as it is.
	In       io.Reader
	Out, Err io.Writer
}

// AttachOptions control Attach.
type AttachOptions struct {
	Streams Streams
	// DetachKeys end the session without stopping the container (nil: never).
	DetachKeys []byte
	// NoStdin attaches only the output (--no-stdin).
	NoStdin bool
	// SigProxy forwards the signals skiff receives to the container (not with a terminal, where they
	// arrive as keystrokes).
	SigProxy bool
}

// Attach connects the streams to the running container nameOrID until it exits (returning its exit
// code) or the user types the detach keys (ErrDetached).
func (e *Engine) Attach(ctx context.Context, nameOrID string, o AttachOptions) (int, error) {
	c, err := e.Get(nameOrID)
	if err != nil {
		return 0, err
	}
	if c.State.Status != StatusRunning && c.State.Status != StatusPaused {
		return 0, fmt.Errorf("attach to container %s: %w: start it with skiff start -a", c.Name(), ErrNotRunning)
	}
	conn, err := monitor.Dial(e.runDir(c.ID))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if !c.Config.Interactive || o.NoStdin {
		o.Streams.In = nil
	}
	return e.stream(ctx, c, conn, o)
}

// stream copies between the caller's streams and the monitor until the container exits (returning its
// exit code) or the user detaches (ErrDetached).
func (e *Engine) stream(ctx context.Context, c *Container, conn *monitor.Conn, o AttachOptions) (int, error) {
	tty := c.Config.Terminal
	in := o.Streams.In
	if f, ok := in.(*os.File); tty && ok && f != nil && term.IsTerminal(int(f.Fd())) {
		st, err := term.MakeRaw(int(f.Fd()))
		if err == nil {
			defer term.Restore(int(f.Fd()), st)
		}
	}
	if tty {
		sendSize(conn, o.Streams)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				sendSize(conn, o.Streams)
			}
		}()
	}
	if o.SigProxy && !tty {
		sigs := make(chan os.Signal, 16)
		signal.Notify(sigs, proxiedSignals...)
		defer signal.Stop(sigs)
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case s := <-sigs:
					_ = signalProcess(c.State.Pid, c.State.PidStart, s.(syscall.Signal))
				case <-done:
					return
				}
			}
		}()
	}

	type result struct {
		code int
		err  error
	}
	out := make(chan result, 1)
	go func() {
		buf := make([]byte, 8193)
		for {
			kind, data, code, err := conn.Recv(buf)
			if err != nil {
				out <- result{err: fmt.Errorf("attach to container %s: %w", c.Name(), err)}
				return
			}
			switch kind {
			case monitor.Stdout:
				_, _ = o.Streams.Out.Write(data)
			case monitor.Stderr:
				_, _ = o.Streams.Err.Write(data)
			case monitor.Exited:
				out <- result{code: code}
				return
			}
		}
	}()
	detached := make(chan struct{}, 1)
	if in != nil {
		go copyStdin(conn, in, o.DetachKeys, tty, detached)
	}
	select {
	case r := <-out:
		return r.code, r.err
	case <-detached:
		return 0, ErrDetached
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// proxiedSignals are the signals a foreground container gets from skiff (Podman's --sig-proxy).
var proxiedSignals = []os.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1, unix.SIGUSR2,
	unix.SIGALRM, unix.SIGCONT, unix.SIGTSTP}

// copyStdin sends in to the container until EOF (closing the container's stdin unless it is a
// terminal) or the detach keys.
func copyStdin(conn *monitor.Conn, in io.Reader, keys []byte, tty bool, detached chan<- struct{}) {
	buf := make([]byte, 4096)
	matched := 0 // bytes of keys seen at the end of the input so far
	for {
		n, err := in.Read(buf)
		if n > 0 {
			data := buf[:n]
			if len(keys) > 0 {
				var fwd bytes.Buffer
				for _, b := range data {
					if b == keys[matched] {
						matched++
						if matched == len(keys) {
							_, _ = conn.Write(fwd.Bytes())
							detached <- struct{}{}
							return
						}
						continue
					}
					// Not the sequence after all: the held-back bytes are input.
					fwd.Write(keys[:matched])
					matched = 0
					if b == keys[0] {
						matched = 1
						continue
					}
					fwd.WriteByte(b)
				}
				data = fwd.Bytes()
			}
			if len(data) > 0 {
				if _, err := conn.Write(data); err != nil {
					return
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) && !tty {
				_ = conn.CloseStdin()
			}
			return
		}
	}
}

// sendSize tells the container's terminal the size of the caller's.
func sendSize(conn *monitor.Conn, s Streams) {
	for _, f := range []any{s.In, s.Out} {
		if file, ok := f.(interface{ Fd() uintptr }); ok && file != nil && term.IsTerminal(int(file.Fd())) {
			if w, h, err := term.GetSize(int(file.Fd())); err == nil {
				_ = conn.Resize(uint16(h), uint16(w))
				return
			}
		}
	}
}

// Resize sets the terminal size of the running container nameOrID, which must have a terminal.
func (e *Engine) Resize(nameOrID string, rows, cols uint16) error {
	c, err := e.Get(nameOrID)
	if err != nil {
		return err
	}
	if !c.Config.Terminal {
		return fmt.Errorf("resize container %s: it has no terminal (created without -t)", c.Name())
	}
	if c.State.Status != StatusRunning && c.State.Status != StatusPaused {
		return fmt.Errorf("resize container %s: %w", c.Name(), ErrNotRunning)
	}
	conn, err := monitor.Dial(e.runDir(c.ID))
	if err != nil {
		return fmt.Errorf("resize container %s: %w", c.Name(), err)
	}
	defer conn.Close()
	return conn.Resize(rows, cols)
}
