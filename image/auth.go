package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/docker/config"
)

// ErrNotLoggedIn reports that no credentials are stored for a registry.
var ErrNotLoggedIn = errors.New("not logged into")

// LoginOptions control Login and GetLogin.
type LoginOptions struct {
	// System supplies the auth file and TLS choice; Credentials and platform fields are ignored.
	System SystemOptions
	// Registry is "HOST[:PORT]", optionally with a namespace ("quay.io/team"), or an http(s):// URL.
	Registry string
	// Username and Password are -u/-p (or --password-stdin); empty ones are prompted for.
	Username, Password string
	// Prompt asks for what is missing; storedUser is the user name already on file ("" if none) and is
	// offered as the default. Nil makes a missing value an error.
	Prompt func(storedUser string, needUser, needPass bool) (user, pass string, err error)
	// Out receives Podman's messages ("Login Succeeded!").
	Out io.Writer
}

// LogoutOptions control Logout.
type LogoutOptions struct {
	System   SystemOptions
	Registry string // as in LoginOptions; empty with All
	All      bool   // remove the credentials of every registry from the auth file
	Out      io.Writer
}

// Login checks credentials against the registry (docker.CheckAuth) and stores them in the auth file.
// Without -u/-p it first tries the stored ones, as Podman does.
func Login(ctx context.Context, o LoginOptions) error {
	key, registry, err := credentialsKey(o.Registry)
	if err != nil {
		return err
	}
	sys := SystemContext("", o.System)
	stored, err := config.GetCredentials(sys, key)
	if err != nil {
		return fmt.Errorf("login %s: read stored credentials: %w", key, err)
	}
	if stored.IdentityToken != "" {
		return fmt.Errorf("login %s: the auth file holds an identity token for it: log out first", key)
	}
	user, pass := o.Username, o.Password
	if user == "" && pass == "" && stored.Username != "" && stored.Password != "" {
		fmt.Fprintf(o.Out, "Authenticating with existing credentials for %s\n", key)
		if err := docker.CheckAuth(ctx, sys, stored.Username, stored.Password, registry); err == nil {
			fmt.Fprintf(o.Out, "Existing credentials are valid. Already logged in to %s\n", registry)
			return nil
		}
		fmt.Fprintln(o.Out, "Existing credentials are invalid, please enter valid username and password")
	}
	if user == "" || pass == "" {
		if o.Prompt == nil {
			return fmt.Errorf("login %s: no user name or password given: use -u USER with -p PASSWORD or --password-stdin", key)
		}
		u, p, err := o.Prompt(stored.Username, user == "", pass == "")
		if err != nil {
			return fmt.Errorf("login %s: %w", key, err)
		}
		if user == "" {
			user = u
		}
		if pass == "" {
			pass = p
		}
	}
	if err := docker.CheckAuth(ctx, sys, user, pass, registry); err != nil {
		var unauthorized docker.ErrUnauthorizedForCredentials
		if errors.As(err, &unauthorized) {
			return fmt.Errorf("logging into %q: invalid username/password", key)
		}
		return fmt.Errorf("authenticating creds for %q: %w", key, err)
	}
	if _, err := config.SetCredentials(sys, key, user, pass); err != nil {
		return fmt.Errorf("login %s: store credentials: %w", key, err)
	}
	fmt.Fprintln(o.Out, "Login Succeeded!")
	return nil
}

// GetLogin returns the user name stored for the registry (--get-login), or an error wrapping
// ErrNotLoggedIn.
func GetLogin(o LoginOptions) (string, error) {
	key, _, err := credentialsKey(o.Registry)
	if err != nil {
		return "", err
	}
	auth, err := config.GetCredentials(SystemContext("", o.System), key)
	if err != nil {
		return "", fmt.Errorf("read credentials for %s: %w", key, err)
	}
	if auth.Username == "" {
		return "", fmt.Errorf("%w %s", ErrNotLoggedIn, key)
	}
	return auth.Username, nil
}

// Logout removes the stored credentials of one registry, or of all with All.
func Logout(o LogoutOptions) error {
	sys := SystemContext("", o.System)
	if o.All {
		if o.Registry != "" {
			return errors.New("logout --all takes no registry argument")
		}
		if err := config.RemoveAllAuthentication(sys); err != nil {
			return fmt.Errorf("logout from all registries: %w", err)
		}
		fmt.Fprintln(o.Out, "Removed login credentials for all registries")
		return nil
	}
	key, _, err := credentialsKey(o.Registry)
	if err != nil {
		return err
	}
	if err := config.RemoveAuthentication(sys, key); err != nil {
		if errors.Is(err, config.ErrNotLoggedIn) {
			return fmt.Errorf("%w %s", ErrNotLoggedIn, key)
		}
		return fmt.Errorf("logging out of %q: %w", key, err)
	}
	fmt.Fprintf(o.Out, "Removed login credentials for %s\n", key)
	return nil
}

// credentialsKey turns the registry argument into the auth-file key (registry, or registry/namespace)
// and the registry host to authenticate against. URLs are reduced to their host[:port].
func credentialsKey(arg string) (key, registry string, err error) {
	if arg == "" {
		return "", "", errors.New("no registry given: name one, e.g. skiff login quay.io")
	}
	key = arg
	if strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "http://") {
		u, err := url.Parse(arg)
		if err != nil || u.Host == "" {
			return "", "", fmt.Errorf("registry %q: not a valid URL", arg)
		}
		key = u.Host
	}
	key = strings.TrimSuffix(key, "/")
	registry, _, namespaced := strings.Cut(key, "/")
	if !anchoredDomain.MatchString(registry) {
		return "", "", fmt.Errorf("registry %q: want HOST[:PORT][/NAMESPACE], e.g. quay.io or localhost:5000", arg)
	}
	if namespaced {
		ref, err := reference.ParseNormalizedNamed(key)
		if err != nil {
			return "", "", fmt.Errorf("registry %q: %w", arg, err)
		}
		if !reference.IsNameOnly(ref) {
			return "", "", fmt.Errorf("registry %q: a login key may not carry a tag or digest", arg)
		}
	}
	return key, registry, nil
}
