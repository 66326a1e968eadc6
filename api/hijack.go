package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/docker/docker/pkg/stdcopy"
	"github.com/sirupsen/logrus"
)

// Media types of a hijacked stream.
const (
	mediaRawStream         = "application/vnd.docker.raw-stream"
	mediaMultiplexedStream = "application/vnd.docker.multiplexed-stream"
)

// stream is a hijacked connection: Stdin reads what the client sends, Stdout and Stderr write to it,
// raw for a TTY and multiplexed (pkg/stdcopy's frames) otherwise.
type stream struct {
	conn   net.Conn
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	idle   *idleTracker
	once   sync.Once
}

// hijack takes the connection over from net/http and answers as Docker does: 101 UPGRADED when the
// client asked to upgrade, a plain 200 otherwise, with the stream's media type.
func (s *Server) hijack(w http.ResponseWriter, r *http.Request, tty bool) (*stream, error) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, fmt.Errorf("hijack the connection of %s: %w", r.URL.Path, err)
	}
	if rw, ok := w.(*responseWriter); ok {
		rw.started = true
	}
	media := mediaRawStream
	if !tty && !versionLess(apiVersion(r), "1.42") {
		media = mediaMultiplexedStream
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: " + media + "\r\n\r\n"
	if upgrade := r.Header.Get("Upgrade"); upgrade != "" || strings.EqualFold(r.Header.Get("Connection"), "Upgrade") {
		head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + media + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
	}
	if _, err := io.WriteString(conn, head); err != nil {
		s.idle.closed(conn)
		conn.Close()
		return nil, fmt.Errorf("answer the upgrade of %s: %w", r.URL.Path, err)
	}
	st := &stream{conn: conn, Stdin: readerOf(buf.Reader, conn), idle: s.idle}
	if tty {
		st.Stdout, st.Stderr = conn, conn
	} else {
		st.Stdout = stdcopy.NewStdWriter(conn, stdcopy.Stdout)
		st.Stderr = stdcopy.NewStdWriter(conn, stdcopy.Stderr)
	}
	return st, nil
}

// readerOf returns what the client sent: bytes net/http had already buffered, then the connection.
func readerOf(buffered *bufio.Reader, conn net.Conn) io.Reader {
	if n := buffered.Buffered(); n > 0 {
		b, _ := buffered.Peek(n)
		return io.MultiReader(strings.NewReader(string(b)), conn)
	}
	return conn
}

// CloseWrite tells the client that the output ended, keeping the read side open.
func (st *stream) CloseWrite() {
	if cw, ok := st.conn.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			logrus.Debugf("api: close the write side of a stream: %v", err)
		}
	}
}

// Close closes the connection and stops counting it as open.
func (st *stream) Close() {
	st.once.Do(func() {
		st.conn.Close()
		st.idle.closed(st.conn)
	})
}
