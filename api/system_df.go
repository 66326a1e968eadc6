package api

import (
	"net/http"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	dcontainer "github.com/docker/docker/api/types/container"
	dimage "github.com/docker/docker/api/types/image"
	dvolume "github.com/docker/docker/api/types/volume"

	"github.com/skiffproject/skiff/system"
)

// dfRoutes is GET /system/df.
func (s *Server) dfRoutes() []route {
	return []route{{[]string{http.MethodGet}, "/system/df", s.systemDF}}
}

// systemDF answers GET /system/df?type=…: the figures `skiff system df` shows (system.DF), in Docker's
// shape: images with their size, shared size and container count, the total size of the layers,
// containers with their writable layer's size, volumes with their size and the containers using them.
// skiff keeps no build cache apart from images: BuildCache is empty.
func (s *Server) systemDF(w http.ResponseWriter, r *http.Request) error {
	want := map[string]bool{}
	for _, t := range r.URL.Query()["type"] {
		switch t {
		case string(types.ContainerObject), string(types.ImageObject), string(types.VolumeObject), string(types.BuildCacheObject):
			want[t] = true
		default:
			return badParameter("system df: type %q: want container, image, volume or build-cache", t)
		}
	}
	all := len(want) == 0
	vs, err := s.volumes()
	if err != nil {
		return err
	}
	du, err := system.DF(system.Engines{Containers: s.containers(), Volumes: vs})
	if err != nil {
		return err
	}
	out := types.DiskUsage{BuildCache: []*build.CacheRecord{}}
	if all || want[string(types.ImageObject)] {
		out.Images = []*dimage.Summary{}
		if len(du.Summary) > 0 {
			out.LayersSize = du.Summary[0].RawSize
		}
		for _, img := range du.Images {
			out.Images = append(out.Images, dfImage(img.Raw))
		}
	}
	if all || want[string(types.ContainerObject)] {
		out.Containers = []*dcontainer.Summary{}
		for _, c := range du.Containers {
			out.Containers = append(out.Containers, dfContainer(c))
		}
	}
	if all || want[string(types.VolumeObject)] {
		out.Volumes = []*dvolume.Volume{}
		for _, v := range du.Volumes {
			d := dockerVolume(v.Raw.Volume)
			d.UsageData = &dvolume.UsageData{Size: v.Raw.Size, RefCount: int64(v.Links)}
			out.Volumes = append(out.Volumes, &d)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func dfImage(raw system.DFImageRaw) *dimage.Summary {
	var tags []string
	for _, n := range raw.Names {
		if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
			tags = append(tags, n)
		}
	}
	return &dimage.Summary{ID: imageID(raw.ID), RepoTags: nonNilStrings(tags), RepoDigests: []string{},
		Created: raw.Created.Unix(), Size: raw.Size, SharedSize: raw.Shared, Containers: int64(raw.ContainersUsing),
		Labels: map[string]string{}}
}

func dfContainer(c system.DFContainer) *dcontainer.Summary {
	return &dcontainer.Summary{ID: c.Raw.ID, Names: []string{"/" + c.Names}, Image: c.Image, ImageID: imageID(c.Raw.ImageID),
		Command: c.Command, Created: c.Raw.Created.Unix(), State: c.Status, Status: dfStatus(c.Status),
		SizeRw: c.Raw.Size}
}

// dfStatus is a short status for the container table of docker system df -v.
func dfStatus(state string) string {
	if state == "running" {
		return "Up"
	}
	return strings.ToUpper(state[:min(1, len(state))]) + state[min(1, len(state)):]
}
