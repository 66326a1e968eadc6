package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
)

// route is one endpoint: methods, a path as gorilla/mux writes it (without the /vX.Y prefix) and the
// handler.
type route struct {
	methods []string
	path    string
	handle  handlerFunc
}

// handlerFunc answers one request. An error it returns becomes Docker's error document, unless the
// handler has already started its response (a stream), in which case it is logged.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// router registers every area's routes, each with and without the /vX.Y prefix.
func (s *Server) router() *mux.Router {
	m := mux.NewRouter().UseEncodedPath()
	areas := [][]route{
		s.containerRoutes(),
		s.execRoutes(),
		s.systemRoutes(),
		s.imageRoutes(),
		s.networkRoutes(),
		s.volumeRoutes(),
		s.eventRoutes(),
		s.dfRoutes(),
	}
	for _, area := range areas {
		for _, rt := range area {
			h := s.serve(rt.handle)
			m.Handle("/v{version:[0-9]+[.][0-9]+}"+rt.path, h).Methods(rt.methods...)
			m.Handle(rt.path, h).Methods(rt.methods...)
		}
	}
	m.NotFoundHandler = s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("page not found")
	})
	m.MethodNotAllowedHandler = s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("page not found: %s %s", r.Method, r.URL.Path)
	})
	return m
}

// serve wraps a handler: it refuses API versions older than MinAPIVersion and turns the handler's
// error into Docker's error document.
func (s *Server) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logrus.Debugf("api: %s %s", r.Method, r.URL.RequestURI())
		rw := &responseWriter{ResponseWriter: w}
		if v := mux.Vars(r)["version"]; v != "" && versionLess(v, MinAPIVersion) {
			writeError(rw, r, badParameter("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinAPIVersion))
			return
		}
		if err := h(rw, r); err != nil {
			if rw.started {
				logrus.Debugf("api: %s %s: %v", r.Method, r.URL.Path, err)
				return
			}
			writeError(rw, r, err)
		}
	})
}

// responseWriter remembers whether a response was started, so that an error after it is not written
// into the middle of a stream.
type responseWriter struct {
	http.ResponseWriter
	started bool
}

func (w *responseWriter) WriteHeader(status int) {
	w.started = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush, Hijack).
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends what was written so far, for streams.
func (w *responseWriter) Flush() {
	w.started = true
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// apiVersion returns the API version the request asked for in its path, or APIVersion without one.
func apiVersion(r *http.Request) string {
	if v := mux.Vars(r)["version"]; v != "" {
		return v
	}
	return APIVersion
}

// versionLess compares two MAJOR.MINOR API versions.
func versionLess(a, b string) bool {
	am, an := splitVersion(a)
	bm, bn := splitVersion(b)
	return am < bm || am == bm && an < bn
}

func splitVersion(v string) (int, int) {
	major, minor, _ := strings.Cut(v, ".")
	m, _ := strconv.Atoi(major)
	n, _ := strconv.Atoi(minor)
	return m, n
}

// pathVar returns the decoded path variable name (the router matches encoded paths, so that an image
// name's slashes and a container path's characters survive).
func pathVar(r *http.Request, name string) string {
	v := mux.Vars(r)[name]
	if d, err := url.PathUnescape(v); err == nil {
		return d
	}
	return v
}
