package api

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/docker/docker/pkg/streamformatter"

	"github.com/skiffproject/skiff/image"
)

// saveImages answers GET /images/get?names=A&names=B: `docker save`, a docker-archive tar holding
// every image named, each with the name it was asked by.
func (s *Server) saveImages(w http.ResponseWriter, r *http.Request) error {
	return s.save(w, r, r.URL.Query()["names"])
}

// saveImage answers GET /images/{name}/get, the one-image form.
func (s *Server) saveImage(w http.ResponseWriter, r *http.Request) error {
	return s.save(w, r, []string{pathVar(r, "name")})
}

// save writes the archive into a temporary file first (c/image writes archives to files), so that a
// failure is still an error status, then streams it.
func (s *Server) save(w http.ResponseWriter, r *http.Request, names []string) error {
	if len(names) == 0 {
		return badParameter("save: no image named: pass names=IMAGE")
	}
	for _, n := range names {
		if _, err := image.Lookup(s.opts.Store, n); err != nil {
			return imageError(n, err)
		}
	}
	f, err := image.TempArchive("skiff-save-*.tar")
	if err != nil {
		return err
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	o := image.SaveOptions{Format: image.FormatDockerArchive, MultiImage: true}
	if err := image.Save(r.Context(), s.opts.Store, names, path, o); err != nil {
		return err
	}
	f, err = os.Open(path)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, f)
	return err
}

// loadImages answers POST /images/load with a docker-archive or oci-archive body: `docker load`. The
// answer is a JSON stream of "Loaded image: NAME" (or "Loaded image ID: sha256:…") lines, what the
// docker CLI prints.
func (s *Server) loadImages(w http.ResponseWriter, r *http.Request) error {
	f, err := image.TempArchive("skiff-load-*.tar")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, r.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return badParameter("load: read the archive from the request: %v", err)
	}
	loaded, err := image.Load(r.Context(), s.opts.Store, f.Name(), image.LoadOptions{})
	if err != nil {
		return badParameter("%v", err)
	}
	stream := newJSONStream(w)
	out := streamformatter.NewStdoutWriter(stream)
	for _, name := range loaded {
		if isImageID(name) {
			fmt.Fprintf(out, "Loaded image ID: %s\n", imageID(name))
			continue
		}
		fmt.Fprintf(out, "Loaded image: %s\n", name)
	}
	return stream.Finish(nil)
}

// isImageID reports whether s is a full image ID (64 hex digits, with or without "sha256:").
func isImageID(s string) bool {
	if len(s) == 71 && s[:7] == "sha256:" {
		s = s[7:]
	}
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
