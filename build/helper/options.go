package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/containers/buildah"
	"github.com/containers/buildah/define"
	"github.com/containers/common/libnetwork/types"
	"github.com/containers/storage/pkg/unshare"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/image"
)

// buildOptions maps skiff's options to buildah's.
func buildOptions(o *build.Options) (define.BuildOptions, error) {
	pull := map[string]define.PullPolicy{
		build.PullAlways: define.PullAlways, build.PullMissing: define.PullIfMissing,
		build.PullNever: define.PullNever, build.PullNewer: define.PullIfNewer,
	}[o.Pull]
	format := buildah.OCIv1ImageManifest
	if o.Format == "docker" {
		format = buildah.Dockerv2ImageManifest
	}
	sys := image.SystemContext("", image.SystemOptions{})
	sys.BlobInfoCacheDir = ""
	if o.Storage.GraphRoot != "" {
		sys.BlobInfoCacheDir = o.Storage.GraphRoot + "/cache"
	}
	isolation := define.IsolationOCI
	if unshare.IsRootless() {
		isolation = define.IsolationOCIRootless
	}
	// The private network is slirp4netns, skiff's default: Debian's pasta cannot join buildah's namespace.
	netPolicy, netName := define.NetworkDefault, "slirp4netns"
	switch o.Network {
	case "host":
		netPolicy = define.NetworkEnabled
	case "none":
		netPolicy = define.NetworkDisabled
	case "slirp4netns", "pasta":
		netName = o.Network
	}
	ns := define.NamespaceOptions{}
	switch o.Network {
	case "host":
		ns = append(ns, define.NamespaceOption{Name: "network", Host: true})
	case "none":
		ns = append(ns, define.NamespaceOption{Name: "network", Path: ""})
	default:
		ns = append(ns, define.NamespaceOption{Name: "network", Path: netName})
	}
	out := ""
	var additional []string
	if len(o.Tags) > 0 {
		out, additional = o.Tags[0], o.Tags[1:]
	}
	bo := define.BuildOptions{
		ContextDirectory:        o.ContextDir,
		PullPolicy:              pull,
		Quiet:                   o.Quiet,
		Isolation:               isolation,
		Runtime:                 o.Runtime,
		Args:                    o.BuildArgs,
		Output:                  out,
		AdditionalTags:          additional,
		In:                      os.Stdin,
		Out:                     os.Stdout,
		Err:                     os.Stderr,
		ReportWriter:            os.Stderr,
		OutputFormat:            format,
		SystemContext:           sys,
		NamespaceOptions:        ns,
		ConfigureNetwork:        netPolicy,
		NetworkInterface:        noNetworks{},
		IIDFile:                 o.IIDFile,
		Squash:                  o.Squash,
		Labels:                  o.Labels,
		Layers:                  o.Layers,
		NoCache:                 o.NoCache,
		RemoveIntermediateCtrs:  true,
		ForceRmIntermediateCtrs: true,
		Target:                  o.Target,
		CommonBuildOpts: &define.CommonBuildOptions{
			// buildah's default of 1048576 open files is above this user's hard limit.
			Ulimit:  hostUlimits(),
			Secrets: o.Secrets,
		},
	}
	if o.Quiet {
		bo.ReportWriter = nil
		bo.Out = nil
	}
	if o.Network == "none" {
		bo.ConfigureNetwork = define.NetworkDisabled
	}
	return bo, nil
}

// hostUlimits gives RUN steps the limits skiff itself runs with, which the kernel allows.
func hostUlimits() []string {
	var out []string
	for _, l := range []struct {
		name     string
		resource int
	}{{"nofile", rlimitNofile}, {"nproc", rlimitNproc}} {
		soft, hard, err := getRlimit(l.resource)
		if err != nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s=%d:%d", l.name, soft, hard))
	}
	return out
}

var copierRequest = regexp.MustCompile(` for copier\.request\{.*\}\}`)

// describe turns buildah's errors into skiff's one-line form: no Go structs, and a hint where the user
// can fix the cause.
func describe(err error) error {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	msg = copierRequest.ReplaceAllString(msg, "")
	if (errors.Is(err, unix.EINVAL) || strings.Contains(msg, "invalid argument")) && strings.Contains(msg, "ownership") && singleMapping() {
		msg += " (hint: without subordinate IDs every file belongs to you: drop the --chown or chown, or as root give this user a range with usermod --add-subuids and --add-subgids)"
	}
	return errors.New(msg)
}

// singleMapping reports whether this namespace maps only the user's own ID.
func singleMapping() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(lines[0])
	return len(lines) == 1 && len(f) == 3 && f[2] == "1"
}

// noNetworks is the network back end the helper gives buildah: RUN steps use slirp4netns, pasta, the
// host's network or none, never a named network (buildah refuses those rootless anyway), so no
// netavark or CNI is needed, and nothing is written into the store about one.
type noNetworks struct{}

var errNoNetworks = errors.New("skiff build: RUN steps take --network host, none, slirp4netns or pasta, not a named network")

func (noNetworks) NetworkCreate(types.Network, *types.NetworkCreateOptions) (types.Network, error) {
	return types.Network{}, errNoNetworks
}
func (noNetworks) NetworkUpdate(string, types.NetworkUpdateOptions) error   { return errNoNetworks }
func (noNetworks) NetworkRemove(string) error                               { return errNoNetworks }
func (noNetworks) NetworkList(...types.FilterFunc) ([]types.Network, error) { return nil, nil }
func (noNetworks) NetworkInspect(string) (types.Network, error) {
	return types.Network{}, errNoNetworks
}
func (noNetworks) Setup(string, types.SetupOptions) (map[string]types.StatusBlock, error) {
	return nil, errNoNetworks
}
func (noNetworks) Teardown(string, types.TeardownOptions) error         { return nil }
func (noNetworks) RunInRootlessNetns(func() error) error                { return errNoNetworks }
func (noNetworks) RootlessNetnsInfo() (*types.RootlessNetnsInfo, error) { return nil, errNoNetworks }
func (noNetworks) Drivers() []string                                    { return nil }
func (noNetworks) DefaultNetworkName() string                           { return "" }
func (noNetworks) NetworkInfo() types.NetworkInfo                       { return types.NetworkInfo{} }

var _ types.ContainerNetwork = noNetworks{}
