package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/docker/docker/api/types"

	"github.com/skiffproject/skiff/image"
)

// pushImage answers POST /images/{name}/push?tag=TAG: `docker push`, to the registry the name holds,
// with credentials from X-Registry-Auth (else the user's auth files). Without a tag every local tag of
// the repository is pushed (the docker CLI's push --all-tags). The answer is Docker's stream: a line
// per layer, "TAG: digest: DIGEST size: N" and an aux message with the tag, digest and size.
func (s *Server) pushImage(w http.ResponseWriter, r *http.Request) error {
	repo := pathVar(r, "name")
	named, err := reference.ParseNormalizedNamed(repo)
	if err != nil {
		return badParameter("push %s: %v", repo, err)
	}
	sys, err := registryOptions(r)
	if err != nil {
		return err
	}
	tags := []string{r.URL.Query().Get("tag")}
	if tags[0] == "" {
		if tags, err = s.localTags(named); err != nil {
			return err
		}
	}
	stream := newJSONStream(w)
	for _, tag := range tags {
		name := repo + ":" + tag
		if strings.Contains(tag, ":") {
			name = repo + "@" + tag
		}
		if _, err := image.Lookup(s.opts.Store, name); err != nil {
			return stream.Finish(imageError(name, err))
		}
		bp := &blobProgress{stream: stream, words: pushWords}
		stream.Status("", "The push refers to repository [%s]", reference.TrimNamed(named).String())
		ch, stop := bp.track()
		man, err := image.PushManifest(r.Context(), s.opts.Store, name, name, image.PushOptions{System: sys, Progress: ch})
		stop()
		if err != nil {
			return stream.Finish(err)
		}
		d, err := manifest.Digest(man)
		if err != nil {
			return stream.Finish(fmt.Errorf("push %s: digest of the manifest: %w", name, err))
		}
		stream.Status("", "%s: digest: %s size: %d", tag, d, len(man))
		stream.Aux(types.PushResult{Tag: tag, Digest: d.String(), Size: len(man)})
	}
	return stream.Finish(nil)
}

// localTags lists the tags of the local images in named's repository, for a push without a tag.
func (s *Server) localTags(named reference.Named) ([]string, error) {
	images, err := s.opts.Store.Images()
	if err != nil {
		return nil, fmt.Errorf("push %s: list images: %w", named, err)
	}
	var tags []string
	for _, img := range images {
		for _, n := range img.Names {
			if t, err := reference.ParseNormalizedNamed(n); err == nil && t.Name() == named.Name() {
				if tagged, ok := t.(reference.NamedTagged); ok {
					tags = append(tags, tagged.Tag())
				}
			}
		}
	}
	if len(tags) == 0 {
		return nil, notFound("No such image: %s", reference.FamiliarString(named))
	}
	return tags, nil
}
