package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	dcontainer "github.com/docker/docker/api/types/container"

	"github.com/skiffproject/skiff/container"
)

// This file holds docker cp's archive endpoints and export.

// statHeader sets X-Docker-Container-Path-Stat, the base64 JSON stat of the path docker cp names.
func (s *Server) statHeader(w http.ResponseWriter, r *http.Request, e *container.Engine, id, path string) error {
	info, link, err := e.StatPath(r.Context(), id, path)
	if errors.Is(err, os.ErrNotExist) {
		return notFound("Could not find the file %s in container %s", path, pathVar(r, "name"))
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(dcontainer.PathStat{Name: filepath.Base(path), Size: info.Size(), Mode: info.Mode(), Mtime: info.ModTime(), LinkTarget: link})
	if err != nil {
		return fmt.Errorf("encode the stat of %s: %w", path, err)
	}
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(b))
	return nil
}

// containerArchive answers HEAD (the stat) and GET (the stat and a tar of the path) of
// /containers/{name}/archive?path=.
func (s *Server) containerArchive(w http.ResponseWriter, r *http.Request) error {
	path := r.URL.Query().Get("path")
	if path == "" {
		return badParameter("archive: no path (?path=)")
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if err := s.statHeader(w, r, e, c.ID, path); err != nil {
		return err
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	return e.Copy(r.Context(), c.ID+":"+path, "-", container.CopyOptions{Stdout: w})
}

// putContainerArchive extracts the request's tar into the directory ?path= names.
func (s *Server) putContainerArchive(w http.ResponseWriter, r *http.Request) error {
	path := r.URL.Query().Get("path")
	if path == "" {
		return badParameter("archive: no path (?path=)")
	}
	if boolParam(r, "copyUIDGID") {
		return badParameter("archive: copyUIDGID (docker cp -a) is not supported: files are owned by the container's root")
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	info, _, err := e.StatPath(r.Context(), c.ID, path)
	if errors.Is(err, os.ErrNotExist) {
		return notFound("Could not find the file %s in container %s", path, pathVar(r, "name"))
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return badParameter("extracting tar into %s in container %s: not a directory", path, pathVar(r, "name"))
	}
	o := container.CopyOptions{Stdin: r.Body, Overwrite: !boolParam(r, "noOverwriteDirNonDir")}
	if err := e.Copy(r.Context(), "-", c.ID+":"+path, o); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) exportContainer(w http.ResponseWriter, r *http.Request) error {
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	return e.Export(r.Context(), c.ID, w)
}
