package api

import (
	"net/http"
	"sync"

	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/types"
	"github.com/docker/docker/pkg/progress"
	"github.com/docker/docker/pkg/streamformatter"
	"github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// jsonStream writes Docker's stream of JSON messages (pull, push, build, load: one
// jsonmessage.JSONMessage per line, formatted by moby's streamformatter) to a response, flushing after
// each line. The status line is written with the first message: until then a handler can still answer
// with an error document and its status (an image that does not exist is a 404, not a stream holding
// an error). Safe for concurrent use.
type jsonStream struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	failed  error // the first write error: the client went away
}

func newJSONStream(w http.ResponseWriter) *jsonStream {
	return &jsonStream{w: w, rc: http.NewResponseController(w)}
}

// Write sends one or more whole JSON lines.
func (s *jsonStream) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil {
		return 0, s.failed
	}
	s.start()
	n, err := s.w.Write(b)
	if err == nil {
		err = s.rc.Flush()
	}
	if err != nil {
		s.failed = err
	}
	return n, err
}

// start writes the status line; the caller holds mu.
func (s *jsonStream) start() {
	if s.started {
		return
	}
	s.started = true
	s.w.Header().Set("Content-Type", "application/json")
	s.w.WriteHeader(http.StatusOK)
}

// Started reports whether the status line went out: an error after it must go into the stream.
func (s *jsonStream) Started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Begin sends the status line and the headers now, for a stream whose first message may take long.
func (s *jsonStream) Begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start()
	if err := s.rc.Flush(); err != nil && s.failed == nil {
		s.failed = err
	}
}

// Status sends {"status": …, "id": …}.
func (s *jsonStream) Status(id, format string, args ...any) {
	_, _ = s.Write(streamformatter.FormatStatus(id, format, args...))
}

// Progress sends a progress line: {"status": action, "progressDetail": {current, total}, "id": id}.
func (s *jsonStream) Progress(p progress.Progress) {
	_ = streamformatter.NewJSONProgressOutput(s, false).WriteProgress(p)
}

// Aux sends {"aux": v}.
func (s *jsonStream) Aux(v any) {
	f := &streamformatter.AuxFormatter{Writer: s}
	_ = f.Emit("", v)
}

// Error sends {"errorDetail": {"message": …}, "error": …}: how a stream that has started reports its
// failure (the docker CLI prints it and exits 1).
func (s *jsonStream) Error(err error) {
	_, _ = s.Write(streamformatter.FormatError(err))
}

// Finish ends a handler's stream: a failure goes into the stream once it has started, and is returned
// to the router (for Docker's error document and status) when nothing was sent yet.
func (s *jsonStream) Finish(err error) error {
	if err == nil {
		if !s.Started() {
			s.Begin()
		}
		return nil
	}
	if !s.Started() {
		return err
	}
	s.Error(err)
	return nil
}

// Gone reports whether the client went away while the stream was written.
func (s *jsonStream) Gone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed != nil
}

// blobProgress turns c/image's per-blob progress into Docker's progress lines, with the words Docker
// uses for a pull or a push; the ID of a line is the blob digest's first 12 hex digits, as Docker's.
type blobProgress struct {
	stream *jsonStream
	words  progressWords
	// first runs once, before the first line (the "Pulling from …" or "The push refers to …" line).
	first func()
	once  sync.Once
}

// progressWords are what a line says at each event of a blob.
type progressWords struct{ New, Moving, Done, Skipped string }

var (
	pullWords = progressWords{New: "Pulling fs layer", Moving: "Downloading", Done: "Pull complete", Skipped: "Already exists"}
	pushWords = progressWords{New: "Preparing", Moving: "Pushing", Done: "Pushed", Skipped: "Layer already exists"}
)

// run reads ch until it is closed. The caller closes it once the copy returns.
func (b *blobProgress) run(ch <-chan types.ProgressProperties, done chan<- struct{}) {
	defer close(done)
	for p := range ch {
		if isConfigBlob(p.Artifact.MediaType) {
			continue // Docker shows layers only
		}
		if b.first != nil {
			b.once.Do(b.first)
		}
		id := shortDigest(p.Artifact.Digest)
		switch p.Event {
		case types.ProgressEventNewArtifact:
			b.stream.Progress(progress.Progress{ID: id, Action: b.words.New})
		case types.ProgressEventRead:
			b.stream.Progress(progress.Progress{ID: id, Action: b.words.Moving, Current: int64(p.Offset), Total: p.Artifact.Size})
		case types.ProgressEventDone:
			b.stream.Progress(progress.Progress{ID: id, Action: b.words.Done})
		case types.ProgressEventSkipped:
			b.stream.Progress(progress.Progress{ID: id, Action: b.words.Skipped})
		}
	}
}

// track starts reading a progress channel for one copy; stop closes it and waits for the last line.
func (b *blobProgress) track() (ch chan types.ProgressProperties, stop func()) {
	ch = make(chan types.ProgressProperties, 16)
	done := make(chan struct{})
	go b.run(ch, done)
	return ch, func() {
		close(ch)
		<-done
	}
}

// isConfigBlob reports whether a blob of mediaType is an image's config rather than a layer.
func isConfigBlob(mediaType string) bool {
	return mediaType == ociv1.MediaTypeImageConfig || mediaType == manifest.DockerV2Schema2ConfigMediaType
}

// shortDigest is the first 12 hex digits of d, how Docker names a layer in its progress lines.
func shortDigest(d digest.Digest) string {
	if err := d.Validate(); err != nil {
		return string(d)
	}
	h := d.Encoded()
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}
