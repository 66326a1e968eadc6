package api

import (
	"net/http"
	"strings"
	"time"

	dimage "github.com/docker/docker/api/types/image"
	dstorage "github.com/docker/docker/api/types/storage"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/skiffproject/skiff/image"
)

// imageRoutes are the /images endpoints and /build. Image names hold slashes and colons
// ("localhost:5000/a/b:1"): {name:.+} takes them whole, and the fixed paths come first so that
// /images/json is the list, not the inspection of an image called "json".
func (s *Server) imageRoutes() []route {
	get, post, del := []string{http.MethodGet}, []string{http.MethodPost}, []string{http.MethodDelete}
	return []route{
		{get, "/images/json", s.listImages},
		{post, "/images/create", s.createImage},
		{post, "/images/load", s.loadImages},
		{get, "/images/get", s.saveImages},
		{post, "/images/prune", s.pruneImages},
		{get, "/images/{name:.+}/json", s.inspectImage},
		{get, "/images/{name:.+}/history", s.imageHistory},
		{get, "/images/{name:.+}/get", s.saveImage},
		{post, "/images/{name:.+}/tag", s.tagImage},
		{post, "/images/{name:.+}/push", s.pushImage},
		{del, "/images/{name:.+}", s.removeImage},
		{post, "/build", s.buildImage},
	}
}

// dockerImageFilters maps the Docker API's image filters to the image package's keys (the same
// names; Docker has no other).
var dockerImageFilters = []string{"before", "dangling", "label", "reference", "since", "until"}

// listImages answers GET /images/json: all, filters, shared-size, digests.
func (s *Server) listImages(w http.ResponseWriter, r *http.Request) error {
	specs, err := filterSpecs(r, "list images", dockerImageFilters)
	if err != nil {
		return err
	}
	rows, err := image.List(r.Context(), s.opts.Store, image.ListOptions{All: boolParam(r, "all"), Filters: specs})
	if err != nil {
		return badParameter("%v", err)
	}
	shared := boolParam(r, "shared-size")
	out := make([]dimage.Summary, 0, len(rows))
	for _, row := range rows {
		sum := imageSummary(row)
		if !shared {
			sum.SharedSize = -1
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// imageSummary is an image list row in Docker's shape.
func imageSummary(row image.Summary) dimage.Summary {
	return dimage.Summary{
		ID:          imageID(row.ID),
		ParentID:    imageID(row.ParentID),
		RepoTags:    nonNilStrings(row.RepoTags),
		RepoDigests: nonNilStrings(row.RepoDigests),
		Created:     row.Created,
		Size:        row.Size,
		SharedSize:  int64(row.SharedSize),
		Labels:      row.Labels,
		Containers:  int64(row.Containers),
	}
}

// inspectImage answers GET /images/{name}/json.
func (s *Server) inspectImage(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "name")
	d, err := image.Inspect(r.Context(), s.opts.Store, name)
	if err != nil {
		return imageError(name, err)
	}
	writeJSON(w, http.StatusOK, inspectResponse(d))
	return nil
}

// inspectResponse is image inspect data in Docker's shape.
func inspectResponse(d *image.Data) dimage.InspectResponse {
	out := dimage.InspectResponse{
		ID:            imageID(d.ID),
		RepoTags:      nonNilStrings(d.RepoTags),
		RepoDigests:   nonNilStrings(d.RepoDigests),
		Parent:        imageID(d.Parent),
		Comment:       d.Comment,
		DockerVersion: d.Version,
		Author:        d.Author,
		Architecture:  d.Architecture,
		Os:            d.Os,
		Size:          d.Size,
		RootFS:        dimage.RootFS{Type: "layers"},
	}
	if d.Created != nil {
		out.Created = d.Created.UTC().Format(time.RFC3339Nano)
	}
	if d.Config != nil {
		cfg := &dockerspec.DockerOCIImageConfig{ImageConfig: *d.Config}
		if hc := d.HealthCheck; hc != nil {
			cfg.Healthcheck = &dockerspec.HealthcheckConfig{Test: hc.Test, Interval: hc.Interval, Timeout: hc.Timeout,
				StartPeriod: hc.StartPeriod, Retries: hc.Retries}
		}
		out.Config = cfg
	}
	if d.GraphDriver != nil {
		out.GraphDriver = dstorage.DriverData{Name: d.GraphDriver.Name, Data: d.GraphDriver.Data}
	}
	if d.RootFS != nil {
		for _, l := range d.RootFS.Layers {
			out.RootFS.Layers = append(out.RootFS.Layers, l.String())
		}
	}
	return out
}

// imageHistory answers GET /images/{name}/history.
func (s *Server) imageHistory(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "name")
	entries, err := image.History(r.Context(), s.opts.Store, name)
	if err != nil {
		return imageError(name, err)
	}
	out := make([]dimage.HistoryResponseItem, 0, len(entries))
	for _, e := range entries {
		id := e.ID
		if id != "<missing>" {
			id = imageID(id)
		}
		out = append(out, dimage.HistoryResponseItem{ID: id, Created: e.CreatedTime.Unix(), CreatedBy: e.CreatedBy,
			Tags: nonNilStrings(e.Tags), Size: e.Size, Comment: e.Comment})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// tagImage answers POST /images/{name}/tag?repo=REPO&tag=TAG with 201.
func (s *Server) tagImage(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "name")
	q := r.URL.Query()
	repo, tag := q.Get("repo"), q.Get("tag")
	if repo == "" {
		return badParameter("tag %s: no repository given: pass repo=NAME (and tag=TAG)", name)
	}
	target := repo
	if tag != "" {
		target += ":" + tag
	}
	if err := image.Tag(s.opts.Store, name, []string{target}); err != nil {
		return imageError(name, err)
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

// removeImage answers DELETE /images/{name}?force=&noprune=: what `docker rmi` does, with the
// image package's rules (the name given is removed when the image has others, else the image).
func (s *Server) removeImage(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "name")
	if boolParam(r, "noprune") {
		return badParameter("remove image %s: noprune is not supported: skiff removes an image's untagged parents only through images/prune", name)
	}
	report, errs := image.Remove(s.opts.Store, []string{name}, image.RemoveOptions{Force: boolParam(r, "force")})
	if len(errs) > 0 {
		return imageError(name, errs[0])
	}
	if len(report.Untagged) == 0 && len(report.Deleted) == 0 {
		// force implies ignore in the image package: Docker still answers 404 for an unknown image.
		return notFound("No such image: %s", name)
	}
	out := []dimage.DeleteResponse{}
	for _, u := range report.Untagged {
		out = append(out, dimage.DeleteResponse{Untagged: u})
	}
	for _, d := range report.Deleted {
		out = append(out, dimage.DeleteResponse{Deleted: imageID(d)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pruneImages answers POST /images/prune: dangling images, or with dangling=false every image no
// container uses; label and until filters narrow it.
func (s *Server) pruneImages(w http.ResponseWriter, r *http.Request) error {
	args, err := filterArgs(r, "prune images", []string{"dangling", "label", "label!", "until"})
	if err != nil {
		return err
	}
	o := image.PruneOptions{}
	for _, key := range args.Keys() {
		for _, v := range args.Get(key) {
			switch key {
			case "dangling":
				switch strings.ToLower(v) {
				case "false", "0":
					o.All = true
				case "true", "1":
				default:
					return badParameter("prune images: filter dangling=%q: want true or false", v)
				}
			case "label!":
				o.Filters = append(o.Filters, "label!="+v)
			default:
				o.Filters = append(o.Filters, key+"="+v)
			}
		}
	}
	removed, err := image.Prune(r.Context(), s.opts.Store, o)
	if err != nil {
		return badParameter("%v", err)
	}
	report := dimage.PruneReport{ImagesDeleted: []dimage.DeleteResponse{}}
	for _, p := range removed {
		report.ImagesDeleted = append(report.ImagesDeleted, dimage.DeleteResponse{Deleted: imageID(p.ID)})
		if p.Size > 0 {
			report.SpaceReclaimed += uint64(p.Size)
		}
	}
	writeJSON(w, http.StatusOK, report)
	return nil
}

// imageID is an image ID as Docker writes it, "sha256:HEX"; "" stays "".
func imageID(id string) string {
	if id == "" || strings.HasPrefix(id, "sha256:") {
		return id
	}
	return "sha256:" + id
}

// nonNilStrings makes an empty list [] rather than null, as Docker's lists are.
func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
