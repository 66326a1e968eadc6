package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skiffproject/skiff/container"
)

// boolParam reads a boolean query parameter as Docker does: "", "0", "false" and "no" are false, any
// other value true.
func boolParam(r *http.Request, name string) bool {
	switch strings.ToLower(r.URL.Query().Get(name)) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// intParam reads an integer query parameter; def when it is absent.
func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badParameter("query parameter %s=%q: want an integer", name, s)
	}
	return n, nil
}

// timeParam reads a time query parameter as the docker CLI sends --since and --until (Unix seconds
// with an optional fraction; the engine's parser also takes what `skiff logs --since` does); the zero
// time when absent.
func timeParam(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	t, err := container.ParseTime(s, time.Now())
	if err != nil {
		return time.Time{}, badParameter("query parameter %s: %v", name, err)
	}
	return t, nil
}
