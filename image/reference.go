package image

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	"github.com/containers/image/v5/pkg/sysregistriesv2"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
)

// ErrInvalidName reports an image name that does not follow the [REGISTRY/]NAME[:TAG][@DIGEST] grammar.
var ErrInvalidName = errors.New("invalid image name")

var (
	anchoredTag    = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)
	anchoredDomain = regexp.MustCompile(`^` + reference.DomainRegexp.String() + `$`)
	pathComponent  = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
)

// ValidateName checks a name given to pull (or any verb that resolves it remotely) without touching the
// network or the store. Names with a transport prefix (docker://, oci:, oci-archive:, docker-archive:,
// dir:) are checked by that transport; anything else must be a Docker reference. The error is one line
// that names the input and says which part is wrong.
func ValidateName(name string) error {
	if _, ok, err := transportReference(name); ok {
		return err
	}
	_, err := parseDockerName(name)
	return err
}

// pullTransports are the transports an image can be pulled from besides docker://.
var pullTransports = map[string]bool{"oci": true, "oci-archive": true, "docker-archive": true, "dir": true, "docker-daemon": true}

// transportReference parses name as "TRANSPORT:REF". ok is false when name has no known transport
// prefix (then it is a plain Docker reference such as "localhost:5000/x:1").
func transportReference(name string) (ref types.ImageReference, ok bool, err error) {
	if strings.HasPrefix(name, "docker://") {
		return nil, false, nil // handled as a Docker reference, with short-name resolution skipped
	}
	transport, _, found := strings.Cut(name, ":")
	if !found || alltransports.TransportFromImageName(name) == nil || transport == "docker" {
		return nil, false, nil
	}
	if !pullTransports[transport] {
		return nil, true, fmt.Errorf("%w %q: cannot pull from the %q transport (use docker://, oci:, oci-archive:, docker-archive:, dir: or docker-daemon:)",
			ErrInvalidName, name, transport)
	}
	ref, err = alltransports.ParseImageName(name)
	if err != nil {
		return nil, true, fmt.Errorf("%w %q: %w", ErrInvalidName, name, err)
	}
	return ref, true, nil
}

// parseDockerName parses a Docker reference without normalizing it (short names stay short), and turns
// a parse failure into an error that says what is wrong.
func parseDockerName(name string) (reference.Named, error) {
	s := strings.TrimPrefix(name, "docker://")
	ref, err := reference.Parse(s)
	if err == nil {
		if named, ok := ref.(reference.Named); ok {
			return named, nil
		}
		err = reference.ErrNameEmpty
	}
	return nil, fmt.Errorf("%w %q: %s (want [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST], e.g. docker.io/library/alpine:3.20)",
		ErrInvalidName, name, describeBadName(s, err))
}

// describeBadName names the part of s that breaks the reference grammar; err is the parser's verdict,
// used when no part can be blamed more precisely.
func describeBadName(s string, err error) string {
	if s == "" {
		return "the name is empty"
	}
	rest, dig, hasDigest := strings.Cut(s, "@")
	repo, tag, hasTag := rest, "", false
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		repo, tag, hasTag = rest[:i], rest[i+1:], true
	}
	var problems []string
	domain, path := splitDomain(repo)
	if domain != "" && !anchoredDomain.MatchString(domain) {
		problems = append(problems, fmt.Sprintf("registry %q is not a valid host[:port]", domain))
	}
	if path == "" {
		problems = append(problems, "the repository name is empty")
	}
	for _, c := range strings.Split(path, "/") {
		if path == "" || pathComponent.MatchString(c) {
			continue
		}
		if strings.ToLower(c) != c {
			problems = append(problems, fmt.Sprintf("repository %q must be lowercase", path))
		} else {
			problems = append(problems, fmt.Sprintf("repository %q may hold only lowercase letters, digits, '/' and single '.', '_', '-' separators", path))
		}
		break
	}
	if len(repo) > reference.NameTotalLengthMax {
		problems = append(problems, fmt.Sprintf("the repository name is longer than %d characters", reference.NameTotalLengthMax))
	}
	if hasTag && !anchoredTag.MatchString(tag) {
		problems = append(problems, fmt.Sprintf("tag %q may hold only letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')", tag))
	}
	if hasDigest {
		if _, derr := digest.Parse(dig); derr != nil {
			problems = append(problems, fmt.Sprintf("digest %q is not ALGORITHM:HEX (%v)", dig, derr))
		}
	}
	if len(problems) == 0 {
		return err.Error()
	}
	return strings.Join(problems, "; ")
}

// splitDomain splits repo the way the reference grammar does: the first component is a registry when it
// holds a '.' or ':', is "localhost", or has upper-case letters.
func splitDomain(repo string) (domain, path string) {
	first, rest, found := strings.Cut(repo, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first) {
		return "", repo
	}
	return first, rest
}

// NormalizeName turns a name given to tag into the name stored with the image, following Podman and
// Buildah: a name without a registry gets "localhost/", Docker Hub names get "library/", and a name
// without tag or digest gets ":latest". "myapp" becomes "localhost/myapp:latest".
func NormalizeName(name string) (reference.Named, error) {
	named, err := parseDockerName(name)
	if err != nil {
		return nil, err
	}
	s := named.String()
	if domain, _ := splitDomain(named.Name()); domain == "" {
		s = "localhost/" + s
	}
	full, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidName, name, err)
	}
	if tagged, ok := full.(reference.NamedTagged); ok {
		if _, digested := full.(reference.Digested); digested {
			// A name that is both tagged and digested is stored by its tag; the digest lives in
			// the image's digest list.
			return reference.WithTag(reference.TrimNamed(full), tagged.Tag())
		}
		return full, nil
	}
	if _, ok := full.(reference.Digested); ok {
		return full, nil
	}
	return reference.TagNameOnly(full), nil
}

// resolvePullName resolves name to the registry references to try in order. Short names go through
// registries.conf (aliases, then unqualified-search registries); when registries.conf defines no
// search registry a short name means Docker Hub, as in Docker. describe is the resolution's
// explanation for the user, or "".
func resolvePullName(sys *types.SystemContext, name string) (res *shortnames.Resolved, describe string, err error) {
	if s, ok := strings.CutPrefix(name, "docker://"); ok {
		// An explicit transport means exactly this reference, normalized as the docker transport does.
		named, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			return nil, "", fmt.Errorf("%w %q: %w", ErrInvalidName, name, err)
		}
		name = reference.TagNameOnly(named).String()
	}
	res, err = shortnames.Resolve(sys, name)
	if err == nil {
		return res, res.Description(), nil
	}
	regs, uerr := sysregistriesv2.UnqualifiedSearchRegistries(sys)
	if uerr != nil || len(regs) > 0 || !shortnames.IsShortName(name) {
		return nil, "", fmt.Errorf("resolve %q: %w", name, err)
	}
	hub := *sys
	hub.PodmanOnlyShortNamesIgnoreRegistriesConfAndForceDockerHub = true
	res, err = shortnames.Resolve(&hub, name)
	if err != nil {
		return nil, "", fmt.Errorf("resolve %q: %w", name, err)
	}
	return res, "", nil
}
