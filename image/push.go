package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/pkg/compression"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/skiffproject/skiff/record"
)

// ErrBadOption reports an option value a verb does not accept; nothing was changed.
var ErrBadOption = errors.New("invalid option")

// PushOptions control Push.
type PushOptions struct {
	// System holds the registry settings (auth file, TLS, credentials).
	System SystemOptions
	// Format is the manifest type to write: "" (keep the image's), "oci", "v2s2" or "v2s1".
	Format string
	// Compression is the layer compression: "" (gzip), "gzip", "zstd" or "zstd:chunked".
	Compression string
	// ForceCompression recompresses layers the destination already has in another format.
	ForceCompression bool
	// RemoveSignatures drops the image's signatures instead of copying them.
	RemoveSignatures bool
	// DigestFile, if set, receives the digest of the manifest written.
	DigestFile string
	// Writer receives Podman's progress lines; a terminal gets progress bars. Nil is -q.
	Writer io.Writer
	// Progress, if set, receives per-blob progress as PullOptions.Progress does.
	Progress chan types.ProgressProperties
}

// ManifestType maps --format's oci, v2s2 and v2s1 (and docker, an alias of v2s2) to a manifest MIME type.
func ManifestType(format string) (string, error) {
	switch strings.ToLower(format) {
	case "":
		return "", nil
	case "oci":
		return ociv1.MediaTypeImageManifest, nil
	case "v2s2", "docker":
		return manifest.DockerV2Schema2MediaType, nil
	case "v2s1":
		return manifest.DockerV2Schema1SignedMediaType, nil
	}
	return "", fmt.Errorf("%w: --format %q: want oci, v2s2 or v2s1", ErrBadOption, format)
}

// compressionAlgorithm maps --compression-format.
func compressionAlgorithm(name string) (*compression.Algorithm, error) {
	if name == "" {
		return nil, nil
	}
	switch name {
	case "gzip", "zstd", "zstd:chunked":
		a, err := compression.AlgorithmByName(name)
		if err != nil {
			return nil, fmt.Errorf("%w: --compression-format %q: %w", ErrBadOption, name, err)
		}
		return &a, nil
	}
	return nil, fmt.Errorf("%w: --compression-format %q: want gzip, zstd or zstd:chunked", ErrBadOption, name)
}

// CheckPushOptions validates the options that do not need the store.
func CheckPushOptions(o PushOptions) error {
	if _, err := ManifestType(o.Format); err != nil {
		return err
	}
	_, err := compressionAlgorithm(o.Compression)
	return err
}

// Push copies the local image source refers to to dest: a registry reference ("localhost:5000/x:1",
// short names are not resolved: the destination must name its registry) or a transport reference
// (oci:DIR, docker-archive:FILE, dir:DIR, …). An empty dest pushes to the registry in the image's name.
func Push(ctx context.Context, store storage.Store, source, dest string, o PushOptions) error {
	_, err := PushManifest(ctx, store, source, dest, o)
	return err
}

// PushManifest is Push that also returns the manifest it wrote, whose digest and size the Docker API
// reports.
func PushManifest(ctx context.Context, store storage.Store, source, dest string, o PushOptions) ([]byte, error) {
	if err := CheckPushOptions(o); err != nil {
		return nil, err
	}
	img, found, err := lookup(store, source)
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", source, err)
	}
	if dest == "" {
		dest = found
		if found == source && !slices.Contains(img.Names, found) {
			return nil, fmt.Errorf("push %s: give a destination: the image is named by ID, e.g. skiff push %s localhost:5000/NAME:TAG", source, source)
		}
	}
	dst, err := pushDestination(dest)
	if err != nil {
		return nil, err
	}
	if err := reachable(ctx, dst); err != nil {
		return nil, fmt.Errorf("push %s to %s: %w", source, transports(dst), err)
	}
	srcRef, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", source, err)
	}
	sys := SystemContext(store.GraphRoot(), o.System)
	if sys.CompressionFormat, err = compressionAlgorithm(o.Compression); err != nil {
		return nil, err
	}
	mime, _ := ManifestType(o.Format)
	pc, err := PolicyContext(sys)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()
	man, err := copy.Image(ctx, pc, dst, srcRef, &copy.Options{
		ReportWriter:           o.Writer,
		Progress:               o.Progress,
		ProgressInterval:       progressInterval(o.Progress),
		SourceCtx:              sys,
		DestinationCtx:         sys,
		ForceManifestMIMEType:  mime,
		RemoveSignatures:       o.RemoveSignatures,
		ForceCompressionFormat: o.ForceCompression,
	})
	if err != nil {
		return nil, fmt.Errorf("push %s to %s: %w", source, transports(dst), err)
	}
	if o.DigestFile != "" {
		d, err := manifest.Digest(man)
		if err != nil {
			return nil, fmt.Errorf("push %s: digest of the manifest: %w", source, err)
		}
		if err := record.WriteFile(o.DigestFile, []byte(d.String()), 0o644); err != nil {
			return nil, fmt.Errorf("push %s: write --digestfile: %w", source, err)
		}
	}
	return man, nil
}

// pushDestination parses a push destination: TRANSPORT:REF, docker://REF, or a registry reference.
func pushDestination(dest string) (types.ImageReference, error) {
	if !strings.HasPrefix(dest, "docker://") {
		if t, _, ok := strings.Cut(dest, ":"); ok && t != "docker" && alltransports.TransportFromImageName(dest) != nil {
			ref, err := alltransports.ParseImageName(dest)
			if err != nil {
				return nil, fmt.Errorf("%w %q: %w", ErrInvalidName, dest, err)
			}
			return ref, nil
		}
	}
	named, err := parseDockerName(dest)
	if err != nil {
		return nil, err
	}
	if reference.Domain(named) == "" {
		return nil, fmt.Errorf("push %s: the destination names no registry: use REGISTRY/NAME[:TAG], e.g. localhost:5000/%s", dest, strings.TrimPrefix(dest, "docker://"))
	}
	named, err = reference.ParseNormalizedNamed(strings.TrimPrefix(dest, "docker://"))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidName, dest, err)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidName, dest, err)
	}
	return ref, nil
}

// transports names a reference the way a user writes it.
func transports(ref types.ImageReference) string {
	if ref.Transport().Name() == "docker" {
		return strings.TrimPrefix(ref.StringWithinTransport(), "//")
	}
	return ref.Transport().Name() + ":" + ref.StringWithinTransport()
}

// ErrUnreachable reports a registry nothing answers at.
var ErrUnreachable = errors.New("cannot reach registry")

// reachable checks that something listens at a registry destination before the copy starts, so that a
// wrong host or port fails in one line instead of after the progress lines. It is skipped behind a
// proxy, where only the proxy can tell.
func reachable(ctx context.Context, ref types.ImageReference) error {
	named := ref.DockerReference()
	if ref.Transport().Name() != "docker" || named == nil {
		return nil
	}
	for _, v := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		if os.Getenv(v) != "" {
			return nil
		}
	}
	host := reference.Domain(named)
	if host == "docker.io" {
		host = "registry-1.docker.io"
	}
	addrs := []string{host}
	if _, _, err := net.SplitHostPort(host); err != nil {
		addrs = []string{net.JoinHostPort(host, "443"), net.JoinHostPort(host, "80")}
	}
	var d net.Dialer
	var firstErr error
	for _, a := range addrs {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := d.DialContext(dctx, "tcp", a)
		cancel()
		if err == nil {
			conn.Close()
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return fmt.Errorf("%w %s: %w (hint: check the host and port, and that the registry runs)", ErrUnreachable, reference.Domain(named), firstErr)
}
