package image

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"
)

// ImportOptions control Import.
type ImportOptions struct {
	// Name is the full name to store the image under; nil leaves it unnamed.
	Name reference.Named
	// Changes are --change instructions applied to the empty config.
	Changes []Change
	// Message is the history comment (--message).
	Message string
	// Writer receives the progress lines; nil is quiet.
	Writer io.Writer
}

// ImportName normalizes import's optional REFERENCE argument ("" = unnamed).
func ImportName(name string) (reference.Named, error) {
	if name == "" {
		return nil, nil
	}
	if _, err := parseDockerName(name); err != nil {
		return nil, err
	}
	return NormalizeName(name)
}

// OpenImportSource opens import's source: "-" (stdin), an http(s) URL, or a file.
func OpenImportSource(ctx context.Context, source string, stdin io.Reader) (io.ReadCloser, error) {
	if source == "-" {
		return io.NopCloser(stdin), nil
	}
	if u, err := url.Parse(source); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("import %s: %w", source, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("import %s: %w", source, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			cancel()
			return nil, fmt.Errorf("import %s: server answered %s", source, resp.Status)
		}
		return &cancelCloser{ReadCloser: resp.Body, cancel: cancel}, nil
	}
	if strings.Contains(source, "://") {
		return nil, fmt.Errorf("import %s: only http and https URLs, a file or - (stdin) can be imported", source)
	}
	f, err := os.Open(source)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return f, nil
}

type cancelCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelCloser) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// Import makes an image of one layer from r, a tar of a root file system (gzip, bzip2, xz or zstd
// compressed, or not), and returns the image's ID.
func Import(ctx context.Context, store storage.Store, r io.Reader, o ImportOptions) (string, error) {
	open := func() (io.ReadCloser, error) { return archive.DecompressStream(r) }
	id, err := NewImage(ctx, store, open, NewImageOptions{
		Name:      o.Name,
		Changes:   o.Changes,
		Comment:   o.Message,
		CreatedBy: "/bin/sh -c #(nop) ADD file in /",
		Writer:    o.Writer,
	})
	if err != nil {
		return "", fmt.Errorf("import: %w", err)
	}
	return id, nil
}
