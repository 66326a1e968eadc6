package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/containers/storage"
	"github.com/docker/docker/api/types"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/netbridge"
	"github.com/skiffproject/skiff/volume"
)

// Error classes of the API itself, for what a request gets wrong before the engine sees it.
var (
	// ErrBadParameter: a malformed body, query or path parameter (400).
	ErrBadParameter = errors.New("bad parameter")
	// ErrNotFound: the object the request names does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the object is in a state the request cannot be carried out in (409).
	ErrConflict = errors.New("conflict")
	// ErrNotImplemented: the request asks for a feature skiff's engine does not have (501).
	ErrNotImplemented = errors.New("not implemented")
)

// statusError is an error whose message goes to the client as it is, with a status of its own.
type statusError struct {
	msg   string
	class error
}

func (e *statusError) Error() string { return e.msg }
func (e *statusError) Unwrap() error { return e.class }

// badParameter returns a 400 error with the message format gives.
func badParameter(format string, args ...any) error {
	return &statusError{msg: fmt.Sprintf(format, args...), class: ErrBadParameter}
}

// notFound returns a 404 error with Docker's wording, e.g. "No such container: web".
func notFound(format string, args ...any) error {
	return &statusError{msg: fmt.Sprintf(format, args...), class: ErrNotFound}
}

// statusClasses map the engine's error classes to HTTP statuses; the first match wins.
var statusClasses = []struct {
	class  error
	status int
}{
	{ErrBadParameter, http.StatusBadRequest},
	{ErrNotFound, http.StatusNotFound},
	{ErrConflict, http.StatusConflict},
	{ErrNotImplemented, http.StatusNotImplemented},
	{container.ErrNoSuchContainer, http.StatusNotFound},
	{storage.ErrImageUnknown, http.StatusNotFound},
	{image.ErrTagUnknown, http.StatusNotFound},
	{netbridge.ErrNoSuchNetwork, http.StatusNotFound},
	{volume.ErrNoSuchVolume, http.StatusNotFound},
	{container.ErrRunning, http.StatusConflict},
	{container.ErrNotRunning, http.StatusConflict},
	{storage.ErrDuplicateName, http.StatusConflict},
	{storage.ErrImageUsedByContainer, http.StatusConflict},
	{netbridge.ErrExists, http.StatusConflict},
	{netbridge.ErrInUse, http.StatusConflict},
	{volume.ErrExists, http.StatusConflict},
	{volume.ErrInUse, http.StatusConflict},
	{container.ErrAmbiguous, http.StatusBadRequest},
	{image.ErrInvalidName, http.StatusBadRequest},
	{image.ErrBadOption, http.StatusBadRequest},
	{image.ErrBadArchive, http.StatusBadRequest},
	{volume.ErrInvalid, http.StatusBadRequest},
	{build.ErrBadOption, http.StatusBadRequest},
	{netbridge.ErrInvalid, http.StatusBadRequest},
}

// statusOf returns the HTTP status of err: the status of its class, else 500.
func statusOf(err error) int {
	for _, c := range statusClasses {
		if errors.Is(err, c.class) {
			return c.status
		}
	}
	return http.StatusInternalServerError
}

// writeError answers with Docker's error document and the status of err's class.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status >= 500 {
		logrus.Errorf("api: %s %s: %v", r.Method, r.URL.Path, err)
	} else {
		logrus.Debugf("api: %s %s: %d %v", r.Method, r.URL.Path, status, err)
	}
	writeJSON(w, status, types.ErrorResponse{Message: err.Error()})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		logrus.Debugf("api: write response: %v", err)
	}
}

// decodeJSON reads the request's JSON body into v; a malformed body is a 400 naming what is wrong.
func decodeJSON(r *http.Request, v any) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return badParameter("parse the request body of %s %s as JSON: %v", r.Method, r.URL.Path, err)
	}
	return nil
}

// imageError gives an image lookup's failure Docker's wording: "No such image: NAME" (404).
func imageError(name string, err error) error {
	if errors.Is(err, storage.ErrImageUnknown) {
		return notFound("No such image: %s", name)
	}
	return err
}

// writeJSONBody writes v as JSON after the headers were sent; the error is the connection's.
func writeJSONBody(w http.ResponseWriter, v any) error {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}
