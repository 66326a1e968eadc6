package monitor

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Frame kinds a client receives.
const (
	Stdout = frameStdout
	Stderr = frameStderr
	Exited = frameExit
)

// Conn is a client connection to a monitor's attach socket.
type Conn struct {
	c *net.UnixConn
}

// Dial connects to the attach socket of the monitor whose run directory is dir. The socket is reached
// through /proc/self/fd, so the run directory's path may be longer than a socket address allows.
func Dial(dir string) (*Conn, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("attach: open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	addr := &net.UnixAddr{Net: "unixpacket", Name: filepath.Join("/proc/self/fd", strconv.Itoa(fd), "attach")}
	c, err := net.DialUnix("unixpacket", nil, addr)
	if err != nil {
		return nil, fmt.Errorf("attach: connect to the container's monitor: %w", err)
	}
	return &Conn{c: c}, nil
}

// Recv returns the next frame: Stdout or Stderr with data, or Exited with the exit code in code.
func (c *Conn) Recv(buf []byte) (kind int, data []byte, code int, err error) {
	if len(buf) < frameMax+1 {
		buf = make([]byte, frameMax+1)
	}
	n, err := c.c.Read(buf)
	if err != nil {
		return 0, nil, 0, err
	}
	if n == 0 {
		return 0, nil, 0, errors.New("attach: monitor closed the connection")
	}
	kind, data = int(buf[0]), buf[1:n]
	if kind == frameExit {
		code, err = strconv.Atoi(string(data))
		if err != nil {
			return 0, nil, 0, fmt.Errorf("attach: bad exit frame %q", data)
		}
	}
	return kind, data, code, nil
}

// Write sends p to the container's stdin.
func (c *Conn) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), frameMax)]
		if err := c.send(frameStdin, chunk); err != nil {
			return done, err
		}
		done += len(chunk)
		p = p[len(chunk):]
	}
	return done, nil
}

// CloseStdin closes the container's stdin (a pipe; a terminal stays open).
func (c *Conn) CloseStdin() error { return c.send(frameStdinEOF, nil) }

// Resize sets the container's terminal size.
func (c *Conn) Resize(rows, cols uint16) error {
	return c.send(frameResize, []byte(fmt.Sprintf("%d %d", rows, cols)))
}

// Claim tells the monitor that this client cleans up after the exit; the monitor then runs its exit
// command only if the client goes away without calling Done.
func (c *Conn) Claim() error { return c.send(frameClaim, nil) }

// Done reports a claimed clean-up as finished.
func (c *Conn) Done() error { return c.send(frameDone, nil) }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

func (c *Conn) send(kind byte, p []byte) error {
	msg := make([]byte, 1+len(p))
	msg[0] = kind
	copy(msg[1:], p)
	_, err := c.c.Write(msg)
	if err != nil {
		return fmt.Errorf("attach: send to monitor: %w", err)
	}
	return nil
}
