package image

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	"github.com/containers/storage/pkg/homedir"
)

// SystemOptions are the registry-facing settings of one invocation, as given on the command line.
// The zero value means "whatever the configuration files say".
type SystemOptions struct {
	// AuthFile is --authfile. Empty means $REGISTRY_AUTH_FILE if set, else c/image's standard places
	// ($XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, ~/.docker/config.json).
	AuthFile string
	// SkipTLSVerify is types.OptionalBoolTrue for --tls-verify=false (which also allows plain http),
	// OptionalBoolFalse for an explicit --tls-verify=true, and OptionalBoolUndefined to let
	// registries.conf decide per registry.
	SkipTLSVerify types.OptionalBool
	// Credentials, if set, are used instead of the auth files (--creds).
	Credentials *types.DockerAuthConfig
	// OS, Arch and Variant choose an image from a manifest list (--os, --arch, --platform).
	OS, Arch, Variant string
}

// AuthFile returns the auth file the user chose: flag first, then $REGISTRY_AUTH_FILE; "" means the
// standard places.
func AuthFile(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("REGISTRY_AUTH_FILE")
}

// SystemContext builds the c/image SystemContext for one invocation. graphRoot is the store's graph
// root: the blob-info cache lives below it (never in /var/lib); "" leaves the cache unset, which is
// fine for commands that copy no blobs (login, logout).
func SystemContext(graphRoot string, o SystemOptions) *types.SystemContext {
	// Disabled mode still honours aliases and tries every unqualified-search registry in order, but
	// unlike permissive mode it never opens an interactive prompt on a TTY (shortnames.Resolve prompts
	// whenever stdin and stdout are terminals and the mode is not disabled).
	mode := types.ShortNameModeDisabled
	sys := &types.SystemContext{
		AuthFilePath:                AuthFile(o.AuthFile),
		DockerInsecureSkipTLSVerify: o.SkipTLSVerify,
		DockerAuthConfig:            o.Credentials,
		OSChoice:                    o.OS,
		ArchitectureChoice:          o.Arch,
		VariantChoice:               o.Variant,
		ShortNameMode:               &mode,
		BigFilesTemporaryDir:        bigFilesDir(),
	}
	if graphRoot != "" {
		sys.BlobInfoCacheDir = filepath.Join(graphRoot, "cache")
	}
	return sys
}

// bigFilesDir is where layers are staged while they download: $TMPDIR, else /var/tmp (not /tmp, which
// is often a small tmpfs).
func bigFilesDir() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/var/tmp"
}

// PolicyContext returns the signature policy to pull with: policy.json from sys.SignaturePolicyPath,
// ~/.config/containers/policy.json or /etc/containers/policy.json when one exists, else a built-in
// policy that accepts anything (what a fresh Podman install ships). The caller must Destroy it.
func PolicyContext(sys *types.SystemContext) (*signature.PolicyContext, error) {
	policy := &signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}}
	if policyFileExists(sys) {
		p, err := signature.DefaultPolicy(sys)
		if err != nil {
			return nil, fmt.Errorf("load signature policy: %w", err)
		}
		policy = p
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, fmt.Errorf("load signature policy: %w", err)
	}
	return pc, nil
}

// policyFileExists reports whether signature.DefaultPolicy would find a file (it fails when none exists).
func policyFileExists(sys *types.SystemContext) bool {
	if sys != nil && sys.SignaturePolicyPath != "" {
		return true // an explicit path must load, or fail loudly
	}
	for _, p := range []string{
		filepath.Join(homedir.Get(), ".config/containers/policy.json"),
		"/etc/containers/policy.json",
	} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// ParseCredentials parses --creds "USER[:PASSWORD]". ok is false when no password was given, so the
// caller can prompt for it.
func ParseCredentials(creds string) (auth *types.DockerAuthConfig, ok bool, err error) {
	if creds == "" {
		return nil, false, fmt.Errorf("--creds: empty value: use --creds USER:PASSWORD")
	}
	user, pass, found := strings.Cut(creds, ":")
	if user == "" {
		return nil, false, fmt.Errorf("--creds %q: missing user name: use --creds USER:PASSWORD", creds)
	}
	return &types.DockerAuthConfig{Username: user, Password: pass}, found, nil
}

// ParsePlatform splits --platform "OS/ARCH[/VARIANT]".
func ParsePlatform(platform string) (osName, arch, variant string, err error) {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return "", "", "", fmt.Errorf("--platform %q: want OS/ARCH[/VARIANT], e.g. linux/arm64/v8", platform)
	}
	if len(parts) == 3 {
		variant = parts[2]
	}
	return parts[0], parts[1], variant, nil
}
