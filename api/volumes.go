package api

import (
	"fmt"
	"net/http"
	"time"

	dvolume "github.com/docker/docker/api/types/volume"

	"github.com/skiffproject/skiff/system"
	"github.com/skiffproject/skiff/volume"
)

// volumeRoutes are the /volumes endpoints, over skiff's volume store.
func (s *Server) volumeRoutes() []route {
	get, post, del := []string{http.MethodGet}, []string{http.MethodPost}, []string{http.MethodDelete}
	return []route{
		{get, "/volumes", s.listVolumes},
		{post, "/volumes/create", s.createVolume},
		{post, "/volumes/prune", s.pruneVolumes},
		{get, "/volumes/{name}", s.inspectVolume},
		{del, "/volumes/{name}", s.removeVolume},
	}
}

// volumes opens the volume store, which knows from the container engine which containers use a
// volume. A volume in use is never removed with its containers: Docker refuses that, force or not.
func (s *Server) volumes() (*volume.Store, error) {
	vs, err := s.containers().Volumes()
	if err != nil {
		return nil, err
	}
	vs.RemoveUsers = nil
	return vs, nil
}

// listVolumes answers GET /volumes with Docker's filters (name, label, label!, driver, dangling).
func (s *Server) listVolumes(w http.ResponseWriter, r *http.Request) error {
	specs, err := filterSpecs(r, "list volumes", []string{"name", "label", "label!", "driver", "dangling", "scope"})
	if err != nil {
		return err
	}
	f, err := volume.ParseFilters(specs, volume.ListFilterKeys)
	if err != nil {
		return badParameter("list volumes: %v", err)
	}
	vs, err := s.volumes()
	if err != nil {
		return err
	}
	vols, err := vs.List(f)
	if err != nil {
		return err
	}
	out := dvolume.ListResponse{Volumes: []*dvolume.Volume{}, Warnings: []string{}}
	for _, v := range vols {
		d := dockerVolume(v)
		out.Volumes = append(out.Volumes, &d)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// dockerVolume is a volume in Docker's shape.
func dockerVolume(v *volume.Volume) dvolume.Volume {
	d := v.Inspect()
	return dvolume.Volume{Name: d.Name, Driver: d.Driver, Mountpoint: d.Mountpoint, Labels: d.Labels,
		Options: d.Options, Scope: d.Scope, CreatedAt: d.CreatedAt.Format(time.RFC3339)}
}

// inspectVolume answers GET /volumes/{name}.
func (s *Server) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.volumes()
	if err != nil {
		return err
	}
	v, err := vs.Get(pathVar(r, "name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dockerVolume(v))
	return nil
}

// createVolume answers POST /volumes/create (201). As in Docker, creating a volume that exists returns
// it. DriverOpts are the local driver's options skiff volume create -o takes (type, device, o).
func (s *Server) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req dvolume.CreateOptions
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.ClusterVolumeSpec != nil {
		return badParameter("create volume %s: cluster volumes are a swarm feature skiff does not have", req.Name)
	}
	o := volume.CreateOptions{Name: req.Name, Driver: req.Driver, Labels: req.Labels, Options: req.DriverOpts, Ignore: true}
	if err := volume.CheckCreate(o); err != nil {
		return badParameter("%v", err)
	}
	vs, err := s.volumes()
	if err != nil {
		return err
	}
	v, err := vs.Create(o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, dockerVolume(v))
	return nil
}

// removeVolume answers DELETE /volumes/{name}?force= (204); a volume containers use is a 409.
func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.volumes()
	if err != nil {
		return err
	}
	if err := vs.Remove(pathVar(r, "name"), false); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pruneVolumes answers POST /volumes/prune: the volumes no container uses, only anonymous ones from
// API 1.42 on unless the filter all=true is given (Docker's rule), narrowed by label and until.
func (s *Server) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	args, err := filterArgs(r, "prune volumes", []string{"label", "label!", "until", "all"})
	if err != nil {
		return err
	}
	all := false
	var specs []string
	for _, key := range args.Keys() {
		for _, v := range args.Get(key) {
			if key != "all" {
				specs = append(specs, key+"="+v)
				continue
			}
			switch v {
			case "true", "1":
				all = true
			case "false", "0":
			default:
				return badParameter("prune volumes: filter all=%q: want true or false", v)
			}
		}
	}
	if !all && !versionLess(apiVersion(r), "1.42") {
		specs = append(specs, "anonymous=true")
	}
	f, err := volume.ParseFilters(specs, append([]string{"anonymous"}, volume.PruneFilterKeys...))
	if err != nil {
		return badParameter("prune volumes: %v", err)
	}
	vs, err := s.volumes()
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	if vols, err := vs.List(f); err == nil {
		for _, v := range vols {
			sizes[v.Name] = system.DirSize(v.Mountpoint())
		}
	}
	removed, err := vs.Prune(f)
	if err != nil {
		return err
	}
	report := dvolume.PruneReport{VolumesDeleted: []string{}}
	for _, p := range removed {
		if p.Err != nil {
			return fmt.Errorf("prune volumes: %w", p.Err)
		}
		report.VolumesDeleted = append(report.VolumesDeleted, p.Name)
		report.SpaceReclaimed += uint64(sizes[p.Name])
	}
	writeJSON(w, http.StatusOK, report)
	return nil
}
