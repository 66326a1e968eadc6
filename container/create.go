package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	istorage "github.com/containers/image/v5/storage"
	"github.com/containers/storage"
	"github.com/docker/docker/pkg/namesgenerator"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/container/podwire"
	"github.com/skiffproject/skiff/health"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/runtime/monitor"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/systemd"
	"github.com/skiffproject/skiff/userns"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// CreateOptions describe a container to create; they mirror `skiff create` and `skiff run` flags.
type CreateOptions struct {
	Image   string
	Command []string // after the image on the command line; replaces the image's CMD
	Name    string
	// Entrypoint replaces the image's ENTRYPOINT when EntrypointSet (nil clears it).
	Entrypoint    []string
	EntrypointSet bool
	// Env holds NAME=VALUE pairs already parsed (ParseEnv); they override the image's.
	Env        []string
	WorkingDir string
	User       string
	Hostname   string
	Labels     map[string]string

	Terminal, Interactive, AutoRemove, Init, ReadOnly, Privileged bool

	CapAdd, CapDrop, SecurityOpts, Ulimits []string

	StopSignal  unix.Signal // 0 = the image's, else SIGTERM
	StopTimeout *uint       // nil = 10 seconds
	LogDriver   string      // ParseLogDriver's canonical name; "" = k8s-file

	// Pull is the pull policy (ParsePullPolicy); PullWriter gets the pull progress; System the
	// registry settings.
	Pull       PullPolicy
	PullWriter io.Writer
	System     image.SystemOptions

	// Replace removes a container of the same name first (--replace).
	Replace bool
	// CIDFile receives the new container's ID; it must not exist.
	CIDFile string

	// Runtime is --runtime ("" = the engine's).
	Runtime string
	// Pod puts the container in a pod, as a member or as its infra container (package podwire).
	Pod *podwire.Config

	CreateCommand []string

	// Restart is --restart (zero = no); SdNotify is --sdnotify, checked (notify.ParseMode; "" = decided
	// at each start, see Config.SdNotify).
	Restart  systemd.RestartPolicy
	SdNotify string

	// Mounts are the volumes, binds and tmpfs mounts (-v, --mount, --tmpfs), checked
	// (volume.CheckSpecs); VolumesFrom adds the mounts of other containers (--volumes-from).
	Mounts      []mountflag.Spec
	VolumesFrom []mountflag.From
	UserNS      userns.Mode
	GroupAdd    []string

	// Network holds the typed network options (package netwire).
	Network netwire.Options

	// CDIDevices are qualified CDI device names (--device vendor.com/class=name, --gpus).
	CDIDevices []string
	// UserNSFromModule says UserNS is a containers.conf module's default, not a flag: keep-id, which a
	// namespace without subordinate IDs cannot give, then falls back to the default with a warning.
	UserNSFromModule bool
	// Cgroup holds the resource limits and cgroup flags (resources.go).
	Cgroup CgroupOptions
	// Devices are --device values (ParseDevice).
	Devices []spec.Device
	// Process holds the namespace and process-environment flags (process.go).
	Process ProcessOptions
	// BaseEnv (--env-host, the proxy variables) lies below the image's environment, which Env overrides.
	BaseEnv []string
	// Annotations are --annotation KEY=VALUE, passed to the runtime over the image's.
	Annotations map[string]string
	// Secrets are --secret values (ParseSecret).
	Secrets []SecretRef
	// Health holds the --health-* flags and --no-healthcheck (healthcheck.go).
	Health HealthOptions
	// LogOpts are the --log-opt values (ParseLogOpts).
	LogOpts LogOptions
}

// defaultStopTimeout is Podman's and Docker's.
const defaultStopTimeout = 10

// Create creates a container and returns it in state created. Every argument is checked before anything
// is stored: on error nothing is left behind.
func (e *Engine) Create(ctx context.Context, o CreateOptions) (*Container, error) {
	c, l, err := e.create(ctx, o)
	l.unlock()
	return c, err
}

// create is Create that returns with the new container's lock held (nil on error).
func (e *Engine) create(ctx context.Context, o CreateOptions) (*Container, *lock, error) {
	cfg, err := e.prepare(ctx, &o)
	if err != nil {
		return nil, nil, err
	}
	if o.CIDFile != "" {
		if _, err := os.Lstat(o.CIDFile); err == nil {
			return nil, nil, fmt.Errorf("container ID file %s already exists: remove it or choose another --cidfile", o.CIDFile)
		}
	}
	if o.Replace && o.Name != "" {
		if err := e.replace(ctx, o.Name); err != nil {
			return nil, nil, err
		}
	}
	id, err := newID()
	if err != nil {
		return nil, nil, err
	}
	l, err := e.lockID(id)
	if err != nil {
		return nil, nil, err
	}
	vs, err := e.Volumes()
	if err != nil {
		l.unlock()
		e.removeLock(id)
		return nil, nil, err
	}
	mounts, undo, err := vs.Prepare(cfg.Mounts)
	if err != nil {
		l.unlock()
		e.removeLock(id)
		return nil, nil, err
	}
	cfg.Mounts = mounts
	sc, err := e.createStorage(id, cfg)
	if err != nil {
		undo()
		l.unlock()
		e.removeLock(id)
		return nil, nil, err
	}
	cfg.Name = sc.Names[0]
	if cfg.Hostname == "" && (cfg.Process.UTS == "" || cfg.Process.UTS == "private") {
		cfg.Hostname = id[:12]
	}
	c := &Container{ID: id, Config: *cfg, State: State{Status: StatusCreated}, Storage: sc}
	if _, err = e.store.ContainerDirectory(id); err == nil {
		err = e.save(c)
	}
	if err == nil && o.CIDFile != "" {
		err = writeCIDFile(o.CIDFile, id)
	}
	if err != nil {
		undo()
		_ = e.store.DeleteContainer(id)
		l.unlock()
		e.removeLock(id)
		return nil, nil, err
	}
	e.event(c, "create")
	return c, l, nil
}

// createStorage creates the storage container, under the requested name or a generated one.
func (e *Engine) createStorage(id string, cfg *Config) (*storage.Container, error) {
	for try := 0; ; try++ {
		name := cfg.Name
		if name == "" {
			name = namesgenerator.GetRandomName(try / 3)
		}
		// An --rm container is volatile, as Podman makes it: c/storage skips the fsyncs, and the
		// container does not outlive a reboot.
		sc, err := e.store.CreateContainer(id, []string{name}, cfg.ImageID, "", "", &storage.ContainerOptions{Volatile: cfg.AutoRemove,
			IDMappingOptions: cfg.IDMapping.StorageOptions()})
		if err == nil {
			return sc, nil
		}
		if errors.Is(err, storage.ErrDuplicateName) {
			if cfg.Name != "" {
				// c/storage's message is Podman's: `the container name "x" is already in use by ID.
				// You have to remove that container to be able to reuse that name: that name is
				// already in use`.
				return nil, err
			}
			if try < 10 {
				continue
			}
		}
		return nil, fmt.Errorf("create container from image %s: %w", shortID(cfg.ImageID), err)
	}
}

// prepare resolves the image (pulling it if the policy says so) and builds the configuration.
func (e *Engine) prepare(ctx context.Context, o *CreateOptions) (*Config, error) {
	if o.Pod != nil && o.Pod.Infra {
		return e.prepareInfra(o)
	}
	if o.Image == "" {
		return nil, errors.New("no image given: skiff create IMAGE [COMMAND [ARG...]]")
	}
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return nil, err
		}
	}
	policy, logDriver, err := checkBeforePull(o)
	if err != nil {
		return nil, err
	}
	img, err := e.resolveImage(ctx, o, policy)
	if err != nil {
		return nil, err
	}
	ic, imageHealth, err := imageConfig(ctx, e.store, img.ID)
	if err != nil {
		return nil, err
	}
	cfg := baseConfig(o, img, ic, logDriver)
	if cfg.Mounts, err = e.mountSpecs(o, ic); err != nil {
		return nil, err
	}
	if cfg.IDMapping, err = idMapping(o.UserNS); err != nil {
		if !o.UserNSFromModule || o.UserNS.Kind != userns.ModeKeepID {
			return nil, err
		}
		logrus.Warnf("the module's userns = \"keep-id\" needs subordinate IDs, which you have none of: the container runs as its root, which is you (UID %d on the host)", userns.HostUID())
		cfg.IDMapping = userns.Mapping{}
	}
	if cfg.IDMapping.HasUser && o.User == "" {
		cfg.User = fmt.Sprintf("%d:%d", cfg.IDMapping.UID, cfg.IDMapping.GID)
	}
	cfg.GroupAdd = o.GroupAdd
	if err := e.podConfig(o, cfg); err != nil {
		return nil, err
	}
	if cfg.RestartPolicy, cfg.SdNotify, err = systemdConfig(o); err != nil {
		return nil, err
	}
	if err := e.networkConfig(o.Network, ic.ExposedPorts, cfg); err != nil {
		return nil, err
	}
	if err := cgroupConfig(o, cfg); err != nil {
		return nil, err
	}
	if err := e.processConfig(o, cfg); err != nil {
		return nil, err
	}
	if err := e.secretConfig(o, cfg); err != nil {
		return nil, err
	}
	if cfg.Health, err = healthConfig(imageHealth, o.Health); err != nil {
		return nil, err
	}
	if len(o.Annotations) > 0 {
		if cfg.Annotations == nil {
			cfg.Annotations = map[string]string{}
		}
		maps.Copy(cfg.Annotations, o.Annotations)
	}
	if len(cfg.Entrypoint)+len(cfg.Cmd) == 0 {
		return nil, fmt.Errorf("no command specified: image %s has no ENTRYPOINT or CMD; give one after the image", o.Image)
	}
	// Check the flags the spec generator parses (--ulimit, --cap-add, --cap-drop, --security-opt) now,
	// so that a bad value leaves nothing behind.
	if err := spec.Check(spec.Options{
		RootFS: "/", Args: cfg.argv(), Env: cfg.Env, CapAdd: cfg.CapAdd, CapDrop: cfg.CapDrop,
		Privileged: cfg.Privileged, SecurityOpts: cfg.SecurityOpts, Ulimits: cfg.Ulimits,
		CDIDevices: cfg.CDIDevices,
	}); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkBeforePull checks what needs no image, so that a refusal pulls and changes nothing; it returns
// the pull policy and log driver with their defaults.
func checkBeforePull(o *CreateOptions) (PullPolicy, string, error) {
	policy := o.Pull
	if policy == "" {
		policy = PullMissing
	}
	logDriver := o.LogDriver
	if logDriver == "" {
		logDriver = DefaultLogDriver
	}
	if logDriver == monitor.LogJournald {
		if _, err := os.Stat(monitor.JournalSocket); err != nil {
			return "", "", fmt.Errorf("--log-driver journald: %s is missing (is systemd-journald running? use --log-driver k8s-file)", monitor.JournalSocket)
		}
	}
	if err := checkLogOpts(logDriver, o.LogOpts); err != nil {
		return "", "", err
	}
	if err := checkCgroupOptions(o); err != nil { // before a pull: a refusal changes nothing
		return "", "", err
	}
	return policy, logDriver, nil
}

// baseConfig is the configuration of a new container from its image's config ic and the options that
// need no checking against anything else: the command, environment, user, labels, stop signal.
func baseConfig(o *CreateOptions, img *storage.Image, ic *ociv1.ImageConfig, logDriver string) *Config {
	cfg := &Config{
		Name:          o.Name,
		Image:         o.Image,
		ImageID:       img.ID,
		ImageName:     imageName(img, o.Image),
		Entrypoint:    ic.Entrypoint,
		Cmd:           ic.Cmd,
		Env:           MergeEnv(MergeEnv(o.BaseEnv, ic.Env), o.Env),
		WorkingDir:    ic.WorkingDir,
		User:          ic.User,
		Hostname:      o.Hostname,
		Labels:        map[string]string{},
		Terminal:      o.Terminal,
		Interactive:   o.Interactive,
		AutoRemove:    o.AutoRemove,
		Init:          o.Init,
		ReadOnly:      o.ReadOnly,
		Privileged:    o.Privileged,
		CapAdd:        o.CapAdd,
		CapDrop:       o.CapDrop,
		SecurityOpts:  o.SecurityOpts,
		Ulimits:       o.Ulimits,
		StopSignal:    "SIGTERM",
		StopTimeout:   defaultStopTimeout,
		LogDriver:     logDriver,
		LogOpts:       o.LogOpts,
		RestartPolicy: "no",
		Runtime:       o.Runtime,
		CreateCommand: o.CreateCommand,
		CDIDevices:    o.CDIDevices,
		Created:       time.Now(),
	}
	for k, v := range ic.Labels {
		cfg.Labels[k] = v
	}
	for k, v := range o.Labels {
		cfg.Labels[k] = v
	}
	if o.EntrypointSet {
		cfg.Entrypoint = slices.Clone(o.Entrypoint)
		// Docker: a new entrypoint drops the image's CMD.
		cfg.Cmd = nil
	}
	if len(o.Command) > 0 {
		cfg.Cmd = o.Command
	}
	if o.WorkingDir != "" {
		cfg.WorkingDir = o.WorkingDir
	}
	if o.User != "" {
		cfg.User = o.User
	}
	if sig := ic.StopSignal; sig != "" && o.StopSignal == 0 {
		if s, err := ParseSignal(sig); err == nil {
			cfg.StopSignal = SignalName(s)
		}
	}
	if o.StopSignal != 0 {
		cfg.StopSignal = SignalName(o.StopSignal)
	}
	if o.StopTimeout != nil {
		cfg.StopTimeout = *o.StopTimeout
	}
	return cfg
}

// argv is the process the container runs.
func (cfg *Config) argv() []string {
	return append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
}

// resolveImage finds the image locally or pulls it, according to the pull policy.
func (e *Engine) resolveImage(ctx context.Context, o *CreateOptions, policy PullPolicy) (*storage.Image, error) {
	img, lookupErr := image.Lookup(e.store, o.Image)
	if lookupErr != nil && !errors.Is(lookupErr, storage.ErrImageUnknown) {
		return nil, lookupErr
	}
	pull := policy == PullAlways || policy == PullNewer || (policy == PullMissing && lookupErr != nil)
	if !pull {
		if lookupErr != nil {
			return nil, fmt.Errorf("%s: image not known: pull it first (skiff pull %s) or use --pull missing", o.Image, o.Image)
		}
		return img, nil
	}
	ids, err := image.Pull(ctx, e.store, o.Image, image.PullOptions{System: o.System, Writer: o.PullWriter})
	if err != nil {
		if policy == PullNewer && lookupErr == nil {
			logrus.Warnf("checking for a newer %s: %v; using the local image", o.Image, err)
			return img, nil
		}
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("pull %s: no image pulled", o.Image)
	}
	pulled, err := e.store.Image(ids[0])
	if err != nil {
		return nil, fmt.Errorf("find pulled image %s: %w", o.Image, err)
	}
	return pulled, nil
}

// imageConfig reads the OCI config of image id and, from the same config blob, its HEALTHCHECK in
// Docker's format (the OCI config has no such field; Docker and buildah keep it in config.Healthcheck).
func imageConfig(ctx context.Context, store storage.Store, id string) (*ociv1.ImageConfig, *health.Config, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read image %s: %w", shortID(id), err)
	}
	img, err := ref.NewImage(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("read image %s: %w", shortID(id), err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read config of image %s: %w", shortID(id), err)
	}
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read config of image %s: %w", shortID(id), err)
	}
	return &cfg.Config, parseImageHealthcheck(blob), nil
}

// imageName picks the name to show for an image: the stored name the user meant, else its first.
func imageName(img *storage.Image, given string) string {
	for _, n := range img.Names {
		if n == given {
			return n
		}
	}
	if n, err := image.NormalizeName(given); err == nil {
		for _, name := range img.Names {
			if name == n.String() {
				return name
			}
		}
	}
	for _, n := range img.Names {
		if strings.HasSuffix(n, "/"+given) || strings.HasSuffix(n, "/"+given+":latest") {
			return n
		}
	}
	if len(img.Names) > 0 {
		return img.Names[0]
	}
	return img.ID
}

// ValidateName checks a container name: Docker's [a-zA-Z0-9][a-zA-Z0-9_.-]*.
func ValidateName(name string) error {
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '.' || r == '-'))
		if !ok {
			return fmt.Errorf("container name %q: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", name)
		}
	}
	return nil
}

// replace removes the container called name, if any, for --replace.
func (e *Engine) replace(ctx context.Context, name string) error {
	c, err := e.lookup(name)
	if errors.Is(err, ErrNoSuchContainer) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Name() != name {
		return nil // an ID prefix, not the name
	}
	return e.Remove(ctx, c.ID, RemoveOptions{Force: true})
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate container ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func writeCIDFile(path, id string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write container ID file: %w", err)
	}
	_, err = f.WriteString(id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write container ID file %s: %w", path, err)
	}
	return nil
}
