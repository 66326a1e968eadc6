package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/types"
	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"github.com/docker/docker/api/types/registry"

	"github.com/skiffproject/skiff/image"
)

// createImage answers POST /images/create: a pull (fromImage, tag, platform; credentials in the
// X-Registry-Auth header) or an import (fromSrc: "-" for the request body, or a URL; repo, tag,
// changes, message). The answer is Docker's stream of JSON progress lines; a pull that fails before
// any layer moves is answered with an error status instead (404 for an image the registry does not
// have), which is what makes `docker run` report a missing image.
func (s *Server) createImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	switch {
	case q.Get("fromImage") != "" && q.Get("fromSrc") != "":
		return badParameter("create image: give fromImage (pull) or fromSrc (import), not both")
	case q.Get("fromSrc") != "":
		return s.importImage(w, r)
	case q.Get("fromImage") == "":
		return badParameter("create image: no fromImage (pull) or fromSrc (import) given")
	}
	name, allTags, err := pullReference(q.Get("fromImage"), q.Get("tag"))
	if err != nil {
		return err
	}
	sys, err := registryOptions(r)
	if err != nil {
		return err
	}
	if p := q.Get("platform"); p != "" {
		if sys.OS, sys.Arch, sys.Variant, err = image.ParsePlatform(p); err != nil {
			return badParameter("pull %s: %v", name, err)
		}
	}
	var before string
	if img, err := image.Lookup(s.opts.Store, name); err == nil {
		before = img.ID
	}
	stream := newJSONStream(w)
	repo, tag := splitTag(name)
	bp := &blobProgress{stream: stream, words: pullWords, first: func() { stream.Status(tag, "Pulling from %s", repo) }}
	ch, stop := bp.track()
	ids, err := image.Pull(r.Context(), s.opts.Store, name, image.PullOptions{System: sys, AllTags: allTags, Progress: ch})
	stop()
	if err != nil {
		return stream.Finish(pullError(name, err))
	}
	for _, id := range ids {
		if img, err := s.opts.Store.Image(id); err == nil && img.Digest != "" {
			stream.Status("", "Digest: %s", img.Digest)
		}
	}
	switch {
	case allTags:
		stream.Status("", "Status: Downloaded newer images for %s", repo)
	case len(ids) == 1 && ids[0] == before:
		stream.Status("", "Status: Image is up to date for %s", name)
	default:
		stream.Status("", "Status: Downloaded newer image for %s", name)
	}
	return stream.Finish(nil)
}

// pullReference joins fromImage and tag as the Docker engine does: a tag that is a digest makes
// NAME@DIGEST, a tag in fromImage wins, and no tag at all (the docker CLI's pull --all-tags) pulls
// every tag of the repository.
func pullReference(from, tag string) (name string, allTags bool, err error) {
	named, err := reference.ParseNormalizedNamed(from)
	if err != nil {
		return "", false, badParameter("pull %s: %v", from, err)
	}
	if !reference.IsNameOnly(named) {
		if tag != "" {
			return "", false, badParameter("pull %s: the name has a tag or digest already, and tag=%s was given too", from, tag)
		}
		return from, false, nil
	}
	if tag == "" {
		return from, true, nil
	}
	if strings.Contains(tag, ":") {
		return from + "@" + tag, false, nil
	}
	return from + ":" + tag, false, nil
}

// splitTag splits NAME[:TAG] for the "Pulling from REPO" line, whose ID is the tag.
func splitTag(name string) (repo, tag string) {
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[:i], name[i+1:]
	}
	return name, "latest"
}

// registryOptions reads the credentials a docker client sends in X-Registry-Auth (base64url JSON).
// Without the header the user's auth files are used, as by skiff pull.
func registryOptions(r *http.Request) (image.SystemOptions, error) {
	var o image.SystemOptions
	h := r.Header.Get(registry.AuthHeader)
	if h == "" {
		return o, nil
	}
	auth, err := registry.DecodeAuthConfig(h)
	if err != nil {
		return o, badParameter("%s header: %v", registry.AuthHeader, err)
	}
	if auth.Username != "" || auth.Password != "" || auth.IdentityToken != "" {
		o.Credentials = &types.DockerAuthConfig{Username: auth.Username, Password: auth.Password, IdentityToken: auth.IdentityToken}
	}
	return o, nil
}

// pullError classes a pull failure: a repository or manifest the registry does not know is a 404
// with Docker's wording, a name that cannot be parsed a 400.
func pullError(name string, err error) error {
	var ec errcode.Error
	if errors.As(err, &ec) && (ec.Code == v2.ErrorCodeManifestUnknown || ec.Code == v2.ErrorCodeNameUnknown) {
		return notFound("pull access denied for %s, repository does not exist or may require 'docker login': %v", name, err)
	}
	if errors.Is(err, image.ErrInvalidName) {
		return badParameter("%v", err)
	}
	return fmt.Errorf("pull %s: %w", name, err)
}

// importImage answers POST /images/create?fromSrc=…: `docker import`, a root file system tar (the body
// for "-", else a URL) made into an image of one layer.
func (s *Server) importImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	src := q.Get("fromSrc")
	if src != "-" && !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return badParameter("import %s: fromSrc takes - (the request body) or an http(s) URL", src)
	}
	var name reference.Named
	if repo := q.Get("repo"); repo != "" {
		if t := q.Get("tag"); t != "" {
			repo += ":" + t
		}
		n, err := image.ImportName(repo)
		if err != nil {
			return badParameter("import %s: %v", repo, err)
		}
		name = n
	}
	changes, err := image.ParseChanges(q["changes"])
	if err != nil {
		return badParameter("import: %v", err)
	}
	in, err := image.OpenImportSource(r.Context(), src, r.Body)
	if err != nil {
		return badParameter("%v", err)
	}
	defer in.Close()
	stream := newJSONStream(w)
	id, err := image.Import(r.Context(), s.opts.Store, in, image.ImportOptions{Name: name, Changes: changes, Message: q.Get("message")})
	if err != nil {
		return stream.Finish(badParameter("%v", err))
	}
	stream.Status("", "%s", imageID(id))
	return stream.Finish(nil)
}
