package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	dcontainer "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
)

// engineListFilters are the list filters the engine applies itself (view.ListOptions.Filters).
var engineListFilters = map[string]bool{"label": true, "name": true, "status": true, "ancestor": true, "id": true, "restart-policy": true}

// listContainers answers GET /containers/json: ps, with all, limit, size and filters.
func (s *Server) listContainers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	args, err := filters.FromJSON(q.Get("filters"))
	if err != nil {
		return badParameter("list containers: filters %q: %v", q.Get("filters"), err)
	}
	o := view.ListOptions{All: boolParam(r, "all"), Size: boolParam(r, "size"), NoTrunc: true}
	if o.Last, err = intParam(r, "limit", 0); err != nil {
		return err
	}
	if o.Last > 0 {
		o.All = true
	}
	var exited []int
	for _, key := range args.Keys() {
		switch {
		case engineListFilters[key]:
			for _, v := range args.Get(key) {
				o.Filters = append(o.Filters, key+"="+v)
			}
		case key == "exited":
			for _, v := range args.Get(key) {
				n, err := strconv.Atoi(v)
				if err != nil {
					return badParameter("list containers: filter exited=%q: want an exit code", v)
				}
				exited = append(exited, n)
			}
		default:
			return badParameter("list containers: unknown filter %q (skiff filters on label, name, status, ancestor, id, exited and restart-policy)", key)
		}
	}
	e := s.containers()
	rows, err := view.List(e, o)
	if err != nil {
		return badParameter("list containers: %v", err)
	}
	out := []dcontainer.Summary{}
	now := time.Now()
	for i := range rows {
		row := &rows[i]
		running := row.State == container.StatusRunning || row.State == container.StatusPaused || row.State == container.StatusStopping
		if !o.All && !running && !args.Contains("status") && !args.Contains("exited") {
			continue // Docker lists only running containers without all, whatever the other filters
		}
		if len(exited) > 0 && !(row.Exited && containsInt(exited, row.ExitCode)) {
			continue
		}
		out = append(out, s.summary(e, row, now))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// summary turns a ps row into Docker's list entry.
func (s *Server) summary(e *container.Engine, row *view.Row, now time.Time) dcontainer.Summary {
	sum := dcontainer.Summary{
		ID:      row.ID,
		Names:   []string{"/" + row.Names},
		Image:   row.Image,
		ImageID: "sha256:" + row.ImageID,
		Command: row.Command,
		Created: row.Created,
		Ports:   []dcontainer.Port{},
		SizeRw:  row.SizeRw,
		Labels:  row.Labels,
		State:   row.State,
		Status:  dockerStatus(row.Status),
		Mounts:  []dcontainer.MountPoint{},
	}
	if sum.Labels == nil {
		sum.Labels = map[string]string{}
	}
	if row.State == container.StatusStopping {
		sum.State = container.StatusRunning
	}
	if row.Ports != "" {
		if _, ports, err := view.Ports(e, row.ID); err == nil {
			sum.Ports = dockerPorts(ports)
		}
	}
	sum.HostConfig.NetworkMode = "bridge"
	if row.Networks != "" {
		sum.HostConfig.NetworkMode = strings.Split(row.Networks, ",")[0]
	}
	for _, m := range row.Mounts {
		sum.Mounts = append(sum.Mounts, dcontainer.MountPoint{Destination: m, RW: true})
	}
	return sum
}

// dockerStatus rewrites Podman's "Up 5 seconds ago" as Docker's "Up 5 seconds".
func dockerStatus(s string) string {
	if strings.HasPrefix(s, "Up ") {
		return strings.Replace(s, " ago", "", 1)
	}
	return s
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}
