package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// manifestAccept lists the manifest types a registry may answer with.
var manifestAccept = strings.Join([]string{
	imgspecv1.MediaTypeImageManifest,
	imgspecv1.MediaTypeImageIndex,
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
}, ", ")

// RemoteDigest returns the digest of the manifest registry serves for
// name:tag over plain HTTP, or "" when it has no such tag.
func RemoteDigest(ctx context.Context, registry, name, tag string) (digest.Digest, error) {
	url := fmt.Sprintf("http://%s/v2/%s/manifests/%s", registry, name, tag)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", manifestAccept)
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", nil
	default:
		return "", fmt.Errorf("get %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", url, err)
	}
	// The digest of the bytes served is what a pull by digest would check.
	return digest.FromBytes(body), nil
}

// Push copies the layout's image to registry/name:tag with containers/image,
// over plain HTTP and without any signature policy from the host.
func Push(ctx context.Context, b *Built, registry, name, tag string, report io.Writer) error {
	src, err := layout.NewReference(b.Dir, tag)
	if err != nil {
		return fmt.Errorf("oci:%s:%s: %w", b.Dir, tag, err)
	}
	destName := fmt.Sprintf("%s/%s:%s", registry, name, tag)
	dst, err := docker.ParseReference("//" + destName)
	if err != nil {
		return fmt.Errorf("docker://%s: %w", destName, err)
	}

	cacheDir, err := os.MkdirTemp("", "mkimage-blobinfo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cacheDir)
	sys := &types.SystemContext{
		DockerInsecureSkipTLSVerify: types.OptionalBoolTrue, // plain-HTTP docker-registry
		BlobInfoCacheDir:            cacheDir,
		SystemRegistriesConfPath:    "/dev/null",
		SystemRegistriesConfDirPath: "/nonexistent",
		AuthFilePath:                "/nonexistent/auth.json",
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return err
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it

	if _, err := copy.Image(ctx, pc, dst, src, &copy.Options{
		SourceCtx:      sys,
		DestinationCtx: sys,
		ReportWriter:   report,
	}); err != nil {
		return fmt.Errorf("push oci:%s:%s to docker://%s: %w", b.Dir, tag, destName, err)
	}
	return nil
}
