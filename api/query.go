package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
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

// timeParam reads a time query parameter given as Unix seconds with an optional fraction, as the
// docker CLI sends --since and --until; the zero time when absent.
func timeParam(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, badParameter("query parameter %s=%q: want Unix seconds", name, s)
	}
	var ns int64
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return time.Time{}, badParameter("query parameter %s=%q: want Unix seconds", name, s)
		}
		ns = int64(f * 1e9)
	}
	return time.Unix(n, ns), nil
}
