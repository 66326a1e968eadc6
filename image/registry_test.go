package image

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// fakeRegistry serves the images of an OCI layout over the registry v2 API on 127.0.0.1 (plain http),
// as repository repo, optionally behind basic auth. It answers unknown tags with MANIFEST_UNKNOWN, as
// a real registry does.
type fakeRegistry struct {
	dir, repo  string
	user, pass string
	// stall, if set, is a blob served only half the first time it is asked for; stalled is closed
	// then, and the response hangs until the client goes away.
	stall     digest.Digest
	stalled   chan struct{}
	stallOnce sync.Once
}

func (r *fakeRegistry) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func regError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (r *fakeRegistry) index() ociv1.Index {
	var idx ociv1.Index
	if b, err := os.ReadFile(filepath.Join(r.dir, "index.json")); err == nil {
		_ = json.Unmarshal(b, &idx)
	}
	return idx
}

func (r *fakeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.user != "" {
		if u, p, ok := req.BasicAuth(); !ok || u != r.user || p != r.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
			regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
	}
	path := req.URL.Path
	prefix := "/v2/" + r.repo + "/"
	switch {
	case path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case path == prefix+"tags/list":
		var tags []string
		for _, m := range r.index().Manifests {
			tags = append(tags, m.Annotations[ociv1.AnnotationRefName])
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"name": r.repo, "tags": tags})
	case strings.HasPrefix(path, prefix+"manifests/"):
		ref := strings.TrimPrefix(path, prefix+"manifests/")
		for _, m := range r.index().Manifests {
			if m.Annotations[ociv1.AnnotationRefName] == ref || m.Digest.String() == ref {
				w.Header().Set("Content-Type", m.MediaType)
				w.Header().Set("Docker-Content-Digest", m.Digest.String())
				r.serveBlob(w, req, m.Digest)
				return
			}
		}
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
	case strings.HasPrefix(path, prefix+"blobs/"):
		d, err := digest.Parse(strings.TrimPrefix(path, prefix+"blobs/"))
		if err != nil {
			regError(w, http.StatusBadRequest, "DIGEST_INVALID", err.Error())
			return
		}
		r.serveBlob(w, req, d)
	default:
		regError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
	}
}

func (r *fakeRegistry) serveBlob(w http.ResponseWriter, req *http.Request, d digest.Digest) {
	f, err := os.Open(filepath.Join(r.dir, "blobs", d.Algorithm().String(), d.Encoded()))
	if err != nil {
		regError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
		return
	}
	defer f.Close()
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Docker-Content-Digest", d.String())
	stall := false
	if d == r.stall && req.Method == http.MethodGet {
		r.stallOnce.Do(func() { stall = true })
	}
	if !stall {
		http.ServeContent(w, req, "", testEpoch, f)
		return
	}
	fi, err := f.Stat()
	if err != nil {
		regError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(fi.Size()))
	w.WriteHeader(http.StatusOK)
	_, _ = io.CopyN(w, f, fi.Size()/2)
	w.(http.Flusher).Flush()
	close(r.stalled)
	<-req.Context().Done()
}
