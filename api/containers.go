package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/containers/storage"
	dcontainer "github.com/docker/docker/api/types/container"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
)

// containerRoutes are the /containers endpoints.
func (s *Server) containerRoutes() []route {
	post, get := []string{http.MethodPost}, []string{http.MethodGet}
	return []route{
		{get, "/containers/json", s.listContainers},
		{post, "/containers/create", s.createContainer},
		{post, "/containers/prune", s.pruneContainers},
		{get, "/containers/{name}/json", s.inspectContainer},
		{post, "/containers/{name}/start", s.startContainer},
		{post, "/containers/{name}/stop", s.stopContainer},
		{post, "/containers/{name}/kill", s.killContainer},
		{post, "/containers/{name}/restart", s.restartContainer},
		{post, "/containers/{name}/wait", s.waitContainer},
		{post, "/containers/{name}/attach", s.attachContainer},
		{get, "/containers/{name}/logs", s.containerLogs},
		{post, "/containers/{name}/resize", s.resizeContainer},
		{get, "/containers/{name}/top", s.topContainer},
		{post, "/containers/{name}/rename", s.renameContainer},
		{post, "/containers/{name}/pause", s.pauseContainer},
		{post, "/containers/{name}/unpause", s.unpauseContainer},
		{[]string{http.MethodDelete}, "/containers/{name}", s.removeContainer},
		{[]string{http.MethodGet, http.MethodHead}, "/containers/{name}/archive", s.containerArchive},
		{[]string{http.MethodPut}, "/containers/{name}/archive", s.putContainerArchive},
		{get, "/containers/{name}/export", s.exportContainer},
		{get, "/containers/{name}/stats", s.containerStats},
	}
}

// getContainer looks the path's container up; a miss is Docker's 404 "No such container: NAME".
func (s *Server) getContainer(e *container.Engine, r *http.Request) (*container.Container, error) {
	name := pathVar(r, "name")
	c, err := e.Get(name)
	if errors.Is(err, container.ErrNoSuchContainer) {
		return nil, notFound("No such container: %s", name)
	}
	return c, err
}

func (s *Server) createContainer(w http.ResponseWriter, r *http.Request) error {
	var req dcontainer.CreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o, err := createOptions(&req, r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	e := s.containers()
	// Docker's create never pulls: a 404 makes the client pull (POST /images/create) and retry.
	if _, err := image.Lookup(e.Store(), o.Image); err != nil {
		if errors.Is(err, storage.ErrImageUnknown) {
			return notFound("No such image: %s", o.Image)
		}
		return err
	}
	c, err := e.Create(r.Context(), o)
	if err != nil {
		return createError(err)
	}
	writeJSON(w, http.StatusCreated, dcontainer.CreateResponse{ID: c.ID, Warnings: []string{}})
	return nil
}

// createError classes an engine error of create: one about a name is a conflict, a refused option a bad
// parameter, anything else the engine's own class.
func createError(err error) error {
	if statusOf(err) != http.StatusInternalServerError {
		return err
	}
	msg := err.Error()
	for _, bad := range []string{"invalid", "want ", "must ", "cannot be", "not supported", "unknown", "no such file", "does not exist", "not an absolute"} {
		if strings.Contains(msg, bad) {
			return badParameter("%s", msg)
		}
	}
	return err
}

func (s *Server) startContainer(w http.ResponseWriter, r *http.Request) error {
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if p := s.takeAttach(c.ID); p != nil {
		// A client attached before the start (docker run, docker start -a): the attach session starts
		// the container so that it sees all of its output.
		if err := p.start(r.Context(), s, e, c); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if _, _, err := e.Start(r.Context(), c.ID, container.StartOptions{}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// stopTimeout reads ?t= (seconds; -1 or absent: the container's own).
func stopTimeout(r *http.Request) (*uint, error) {
	t, err := intParam(r, "t", -1)
	if err != nil || t < 0 {
		return nil, err
	}
	u := uint(t)
	return &u, nil
}

func (s *Server) stopContainer(w http.ResponseWriter, r *http.Request) error {
	timeout, err := stopTimeout(r)
	if err != nil {
		return err
	}
	if sig := r.URL.Query().Get("signal"); sig != "" {
		return badParameter("stop container: signal=%s: a stop with another signal than the container's is not supported (use kill)", sig)
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused && c.State.Status != container.StatusStopping {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if _, err := e.Stop(context.WithoutCancel(r.Context()), c.ID, container.StopOptions{Timeout: timeout}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) killContainer(w http.ResponseWriter, r *http.Request) error {
	sig := unix.SIGKILL
	if v := r.URL.Query().Get("signal"); v != "" {
		var err error
		if sig, err = container.ParseSignal(v); err != nil {
			return badParameter("kill container: %v", err)
		}
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused && c.State.Status != container.StatusStopping {
		return &statusError{msg: "Container " + c.ID + " is not running", class: ErrConflict}
	}
	if _, err := e.Kill(r.Context(), c.ID, sig); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) restartContainer(w http.ResponseWriter, r *http.Request) error {
	timeout, err := stopTimeout(r)
	if err != nil {
		return err
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if _, err := e.Restart(context.WithoutCancel(r.Context()), c.ID, timeout); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) removeContainer(w http.ResponseWriter, r *http.Request) error {
	if boolParam(r, "link") {
		return badParameter("remove container: link=1: skiff has no links")
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	o := container.RemoveOptions{Force: boolParam(r, "force"), Volumes: boolParam(r, "v")}
	if err := e.Remove(context.WithoutCancel(r.Context()), c.ID, o); err != nil {
		if errors.Is(err, container.ErrRunning) {
			return &statusError{msg: "cannot remove container \"" + c.Name() + "\": container is running: stop the container before removing or force remove", class: ErrConflict}
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pruneContainers(w http.ResponseWriter, r *http.Request) error {
	if f := r.URL.Query().Get("filters"); f != "" && f != "{}" {
		return badParameter("prune containers: filters are not supported")
	}
	reports, err := s.containers().Prune(context.WithoutCancel(r.Context()))
	if err != nil {
		return err
	}
	out := dcontainer.PruneReport{ContainersDeleted: []string{}}
	var errs []error
	for _, rep := range reports {
		if rep.Err != nil {
			errs = append(errs, rep.Err)
			continue
		}
		out.ContainersDeleted = append(out.ContainersDeleted, rep.ID)
		out.SpaceReclaimed += uint64(max(rep.Size, 0))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) renameContainer(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Query().Get("name"), "/")
	if name == "" {
		return badParameter("rename container: no new name (?name=)")
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if err := e.Rename(r.Context(), c.ID, name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pauseContainer(w http.ResponseWriter, r *http.Request) error {
	return s.setPaused(w, r, true)
}

func (s *Server) unpauseContainer(w http.ResponseWriter, r *http.Request) error {
	return s.setPaused(w, r, false)
}

func (s *Server) setPaused(w http.ResponseWriter, r *http.Request, pause bool) error {
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	if pause {
		_, err = e.Pause(r.Context(), c.ID)
	} else {
		_, err = e.Unpause(r.Context(), c.ID)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) topContainer(w http.ResponseWriter, r *http.Request) error {
	var descriptors []string
	if args := r.URL.Query().Get("ps_args"); args != "" {
		if strings.HasPrefix(args, "-") {
			return badParameter("top: ps_args %q: skiff reads /proc itself and takes ps(1) column names (pid,user,args), not ps options", args)
		}
		descriptors = strings.Split(args, ",")
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	rows, err := e.Top(c.ID, descriptors)
	if err != nil {
		return err
	}
	out := dcontainer.TopResponse{Titles: []string{}, Processes: [][]string{}}
	if len(rows) > 0 {
		out.Titles, out.Processes = rows[0], rows[1:]
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// waitContainer answers POST /containers/{name}/wait: not-running (the default) returns at once for a
// container that does not run; next-exit waits for the next exit; removed waits for the removal.
func (s *Server) waitContainer(w http.ResponseWriter, r *http.Request) error {
	cond := r.URL.Query().Get("condition")
	switch cond {
	case "", "not-running", "next-exit", "removed":
	default:
		return badParameter("wait: condition %q: want not-running, next-exit or removed", cond)
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	// Docker sends the headers at once, so that the client knows the wait began, and the result when
	// the condition is met.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	http.NewResponseController(w).Flush()
	code, werr := s.wait(r.Context(), e, c, cond)
	resp := dcontainer.WaitResponse{StatusCode: int64(code)}
	if werr != nil {
		resp.Error = &dcontainer.WaitExitError{Message: werr.Error()}
	}
	return writeJSONBody(w, resp)
}

// wait waits for cond (see waitContainer) and returns the exit code.
func (s *Server) wait(ctx context.Context, e *container.Engine, c *container.Container, cond string) (int, error) {
	since := time.Now()
	code := c.State.ExitCode
	for {
		cur, err := e.Get(c.ID)
		if errors.Is(err, container.ErrNoSuchContainer) {
			// Removed (--rm) after the exit, or removed while waiting for it.
			return s.exitAfterRemoval(ctx, c.ID, code), nil
		}
		if err != nil {
			return 0, err
		}
		st := cur.State
		running := st.Status == container.StatusRunning || st.Status == container.StatusPaused || st.Status == container.StatusStopping
		if st.Status == container.StatusExited {
			code = st.ExitCode
		}
		switch {
		case cond == "" || cond == "not-running":
			if !running {
				return st.ExitCode, nil
			}
		case cond == "next-exit":
			if st.Status == container.StatusExited && st.FinishedAt.After(since) {
				return st.ExitCode, nil
			}
		}
		if running && cond != "removed" {
			if _, err := e.Wait(ctx, c.ID); err != nil && !errors.Is(err, container.ErrNoSuchContainer) {
				return 0, err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
