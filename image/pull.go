package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/signature"
	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage"
	"github.com/sirupsen/logrus"
)

// PullOptions control Pull.
type PullOptions struct {
	// System holds the registry settings (auth file, TLS, credentials, platform).
	System SystemOptions
	// AllTags pulls every tag of the repository; the name must then carry no tag or digest.
	AllTags bool
	// Writer receives Podman's progress lines ("Trying to pull …", "Copying blob …", "Writing manifest
	// to image destination"). When it is a terminal (*os.File), c/image draws mpb progress bars instead
	// of the per-blob lines. Nil pulls silently (-q).
	Writer io.Writer
	// Progress, if set, receives c/image's per-blob progress (new blob, bytes read, done, skipped) every
	// ProgressInterval, for front ends that draw their own (the Docker API's JSON progress lines). The
	// receiver must keep reading until Pull returns; Pull never closes it.
	Progress chan types.ProgressProperties
}

// ProgressInterval is how often Progress is told how far each blob of a pull or a push has come.
const ProgressInterval = 200 * time.Millisecond

// Pull copies the image name refers to into store and returns the IDs of the images pulled (one, or one
// per tag with AllTags). name is a Docker reference, short names resolved through registries.conf
// (Docker Hub when it defines no search registry), or a transport reference such as oci:DIR[:TAG] or
// docker-archive:FILE. An invalid name fails before any network or storage work.
func Pull(ctx context.Context, store storage.Store, name string, opts PullOptions) ([]string, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	sys := SystemContext(store.GraphRoot(), opts.System)
	pc, err := PolicyContext(sys)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()
	p := &puller{store: store, sys: sys, policy: pc, w: opts.Writer, progress: opts.Progress}

	if src, ok, err := transportReference(name); ok {
		if err != nil {
			return nil, err
		}
		if opts.AllTags {
			return nil, fmt.Errorf("pull %s: --all-tags works only with registry (docker://) references", name)
		}
		id, err := p.pullTransport(ctx, name, src)
		if err != nil {
			return nil, err
		}
		return []string{id}, nil
	}
	if opts.AllTags {
		return p.pullAllTags(ctx, name)
	}
	id, err := p.pullRegistry(ctx, name)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// puller holds what every copy of one Pull call shares.
type puller struct {
	store    storage.Store
	sys      *types.SystemContext
	policy   *signature.PolicyContext
	w        io.Writer
	progress chan types.ProgressProperties
}

func (p *puller) printf(format string, args ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, format, args...)
	}
}

// pullRegistry tries each candidate the name resolves to and keeps the first that succeeds.
func (p *puller) pullRegistry(ctx context.Context, name string) (string, error) {
	res, describe, err := resolvePullName(p.sys, name)
	if err != nil {
		return "", fmt.Errorf("pull %s: %w", name, err)
	}
	if describe != "" {
		p.printf("%s\n", describe)
	}
	var errs []error
	for _, cand := range res.PullCandidates {
		named := pullableName(cand.Value)
		id, err := p.copyFromRegistry(ctx, named)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := cand.Record(); err != nil {
			logrus.Warnf("record short-name alias %s: %v", named, err)
		}
		return id, nil
	}
	if len(errs) == 1 {
		return "", fmt.Errorf("pull %s: %w", name, errs[0])
	}
	return "", fmt.Errorf("pull %s: %w", name, res.FormatPullErrors(errs))
}

// pullAllTags lists the repository's tags and pulls each one.
func (p *puller) pullAllTags(ctx context.Context, name string) ([]string, error) {
	named, err := parseDockerName(name)
	if err != nil {
		return nil, err
	}
	if !reference.IsNameOnly(named) {
		return nil, fmt.Errorf("pull %s: --all-tags takes a repository without tag or digest, e.g. %s", name, reference.TrimNamed(named))
	}
	res, describe, err := resolvePullName(p.sys, name)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", name, err)
	}
	if describe != "" {
		p.printf("%s\n", describe)
	}
	var errs []error
	for _, cand := range res.PullCandidates {
		repo := reference.TrimNamed(cand.Value)
		ref, err := docker.NewReference(reference.TagNameOnly(repo))
		if err != nil {
			return nil, fmt.Errorf("pull %s: %w", name, err)
		}
		tags, err := docker.GetRepositoryTags(ctx, p.sys, ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("list tags of %s: %w", repo, err))
			continue
		}
		var ids []string
		for _, tag := range tags {
			tagged, err := reference.WithTag(repo, tag)
			if err != nil {
				return ids, fmt.Errorf("pull %s:%s: %w", repo, tag, err)
			}
			id, err := p.copyFromRegistry(ctx, tagged)
			if err != nil {
				return ids, fmt.Errorf("pull %s: %w", tagged, err)
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	if len(errs) == 1 {
		return nil, fmt.Errorf("pull %s: %w", name, errs[0])
	}
	return nil, fmt.Errorf("pull %s: %w", name, res.FormatPullErrors(errs))
}

// copyFromRegistry pulls one fully qualified reference and stores it under that name.
func (p *puller) copyFromRegistry(ctx context.Context, named reference.Named) (string, error) {
	p.printf("Trying to pull %s...\n", named)
	src, err := docker.NewReference(named)
	if err != nil {
		return "", err
	}
	return p.copyTo(ctx, src, named)
}

// pullTransport pulls from a non-registry transport (oci:, docker-archive:, …). The local name is the
// reference the source carries, else "localhost/" plus the path (and the oci: tag if given).
func (p *puller) pullTransport(ctx context.Context, name string, src types.ImageReference) (string, error) {
	named := src.DockerReference()
	if named == nil {
		n, err := localNameFor(src)
		if err != nil {
			return "", fmt.Errorf("pull %s: %w", name, err)
		}
		named = n
	}
	id, err := p.copyTo(ctx, src, pullableName(named))
	if err != nil {
		return "", fmt.Errorf("pull %s: %w", name, err)
	}
	return id, nil
}

// copyTo copies src into the store under named and returns the stored image's ID.
func (p *puller) copyTo(ctx context.Context, src types.ImageReference, named reference.Named) (string, error) {
	dst, err := istorage.Transport.NewStoreReference(p.store, named, "")
	if err != nil {
		return "", err
	}
	if _, err := copy.Image(ctx, p.policy, dst, src, &copy.Options{
		ReportWriter:     p.w,
		Progress:         p.progress,
		ProgressInterval: progressInterval(p.progress),
		SourceCtx:        p.sys,
		DestinationCtx:   p.sys,
	}); err != nil {
		return "", err
	}
	_, img, err := istorage.ResolveReference(dst)
	if err != nil {
		return "", fmt.Errorf("find pulled image %s: %w", named, err)
	}
	if !slices.ContainsFunc(img.BigDataNames, func(k string) bool { return strings.HasPrefix(k, "signature") }) {
		// c/image prints this only when it stores signatures; Podman's output always has the line.
		p.printf("Storing signatures\n")
	}
	return img.ID, nil
}

// pullableName makes named usable as a pull source and store name: ":latest" when it has neither tag nor
// digest, and only the digest when it has both (registries cannot serve "name:tag@digest").
func pullableName(named reference.Named) reference.Named {
	d, digested := named.(reference.Digested)
	if !digested {
		return reference.TagNameOnly(named)
	}
	if _, tagged := named.(reference.Tagged); tagged {
		if n, err := reference.WithDigest(reference.TrimNamed(named), d.Digest()); err == nil {
			return n
		}
	}
	return named
}

// localNameFor derives a store name for a source that carries none: "localhost/" + its path, lower-cased
// where needed, tagged with the oci: image name when that is a valid tag.
func localNameFor(src types.ImageReference) (reference.Named, error) {
	within := src.StringWithinTransport()
	path, tag := within, ""
	if t := src.Transport().Name(); t == "oci" || t == "oci-archive" {
		if i := strings.LastIndex(within, ":"); i > 0 {
			path, tag = within[:i], within[i+1:]
		}
	}
	repo := "localhost/" + strings.Trim(strings.ToLower(filepath.Clean(path)), "/")
	named, err := reference.ParseNormalizedNamed(repo)
	if err != nil {
		return nil, errors.New("cannot derive a local image name from the source path: pull from a path of lowercase letters, digits, '.', '_', '-' and '/'")
	}
	if tag != "" && anchoredTag.MatchString(tag) {
		if tagged, err := reference.WithTag(named, tag); err == nil {
			return tagged, nil
		}
	}
	return reference.TagNameOnly(named), nil
}

// progressInterval is ProgressInterval when a progress channel is set (c/image reports nothing at 0).
func progressInterval(ch chan types.ProgressProperties) time.Duration {
	if ch == nil {
		return 0
	}
	return ProgressInterval
}
