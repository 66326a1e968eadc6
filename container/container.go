package container

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/containers/storage"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/container/podwire"
	"github.com/skiffproject/skiff/health"
	"github.com/skiffproject/skiff/runtime/oci"
	"github.com/skiffproject/skiff/runtime/spec"
	"github.com/skiffproject/skiff/userns"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// Statuses of a container, as Podman names them.
const (
	StatusCreated  = "created"
	StatusRunning  = "running"
	StatusPaused   = "paused"
	StatusStopping = "stopping"
	StatusExited   = "exited"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNoSuchContainer: a name or ID matches no container (Podman's wording). It also matches
	// storage.ErrContainerUnknown, the "not known" sentinel the inspect dispatcher checks.
	ErrNoSuchContainer error = noSuchContainer{}
	// ErrRunning: the operation needs a container that is not running.
	ErrRunning = errors.New("container is running")
	// ErrNotRunning: the operation needs a running container.
	ErrNotRunning = errors.New("container is not running")
	// ErrAmbiguous: an ID prefix matches more than one container.
	ErrAmbiguous = errors.New("more than one container matches")
	// ErrDetached: an attached session ended because the user typed the detach keys.
	ErrDetached = errors.New("detached from the container")
)

type noSuchContainer struct{}

func (noSuchContainer) Error() string        { return "no such container" }
func (noSuchContainer) Is(target error) bool { return target == storage.ErrContainerUnknown }

// Config is what a container was created with. It does not change after create, except Name.
type Config struct {
	Name string `json:"name"`
	// Image is the image as the user named it; ImageID and ImageName what it resolved to.
	Image     string `json:"image"`
	ImageID   string `json:"imageId"`
	ImageName string `json:"imageName"`
	// Entrypoint and Cmd after merging the flags with the image's config; the process runs
	// Entrypoint followed by Cmd.
	Entrypoint []string          `json:"entrypoint"`
	Cmd        []string          `json:"cmd"`
	Env        []string          `json:"env"`
	WorkingDir string            `json:"workingDir"`
	User       string            `json:"user"`
	Hostname   string            `json:"hostname"`
	Labels     map[string]string `json:"labels"`
	// Annotations from the image, passed to the runtime.
	Annotations map[string]string `json:"annotations,omitempty"`

	Terminal    bool `json:"terminal"`
	Interactive bool `json:"interactive"`
	AutoRemove  bool `json:"autoRemove"`
	Init        bool `json:"init"`
	ReadOnly    bool `json:"readOnly"`
	Privileged  bool `json:"privileged"`

	CapAdd       []string `json:"capAdd,omitempty"`
	CapDrop      []string `json:"capDrop,omitempty"`
	SecurityOpts []string `json:"securityOpts,omitempty"`
	Ulimits      []string `json:"ulimits,omitempty"`

	StopSignal  string `json:"stopSignal"`
	StopTimeout uint   `json:"stopTimeout"`
	LogDriver   string `json:"logDriver"`
	// LogOpts are --log-opt path, max-size and tag (logopts.go).
	LogOpts LogOptions `json:"logOpts,omitempty"`
	// RestartPolicy is --restart as systemd.RestartPolicy.String writes it; the clean-up after each run
	// applies it (policy.go).
	RestartPolicy string `json:"restartPolicy"`
	// SdNotify is --sdnotify ("" = conmon when the starting command has a NOTIFY_SOCKET, else ignore).
	SdNotify string `json:"sdNotify,omitempty"`
	// Runtime is the OCI runtime chosen at create ("" = the default).
	Runtime string `json:"runtime,omitempty"`
	// CreateCommand is the command line that created the container.
	CreateCommand []string `json:"createCommand,omitempty"`
	// Mounts are the container's mounts with every volume named (volume.Store.Prepare).
	Mounts []mountflag.Spec `json:"mounts,omitempty"`
	// IDMapping is the container's own user namespace (keep-id, nomap, --uidmap); zero = none.
	IDMapping userns.Mapping `json:"idMapping,omitempty"`
	GroupAdd  []string       `json:"groupAdd,omitempty"`
	// CDIDevices are the CDI devices injected at each start (--device vendor.com/class=name, --gpus).
	CDIDevices []string  `json:"cdiDevices,omitempty"`
	Created    time.Time `json:"created"`
	// Network is the container's network (package netwire).
	Network netwire.Config `json:"network"`
	// Pod is the pod the container belongs to (package podwire); nil = none.
	Pod *podwire.Config `json:"pod,omitempty"`
	// Cgroup holds the resource limits and cgroup settings (resources.go).
	Cgroup CgroupOptions `json:"cgroup,omitempty"`
	// Devices are the host devices given with --device.
	Devices []spec.Device `json:"devices,omitempty"`
	// Process holds the namespace and process-environment flags (process.go).
	Process ProcessOptions `json:"process,omitempty"`
	// Secrets are the container's --secret references (secrets.go); never their data.
	Secrets []SecretRef `json:"secrets,omitempty"`
	// Health is the container's health check (healthcheck.go); nil = none.
	Health *health.Config `json:"health,omitempty"`
}

// State is what happened to a container since it was created.
type State struct {
	Status string `json:"status"`
	// Pid is the container's init as the host sees it; PidStart its start time (clock ticks since
	// boot, /proc/PID/stat field 22) and BootID the boot it belongs to, so a recycled PID is never
	// taken for the container.
	Pid        int    `json:"pid,omitempty"`
	PidStart   uint64 `json:"pidStart,omitempty"`
	MonitorPid int    `json:"monitorPid,omitempty"`
	MonStart   uint64 `json:"monitorStart,omitempty"`
	BootID     string `json:"bootId,omitempty"`
	// Token tells one run of the container from the next: the monitor writes it into the exit file
	// and the clean-up command checks it.
	Token      string    `json:"token,omitempty"`
	ExitCode   int       `json:"exitCode"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// Mounted is set before the rootfs is mounted and cleared after it is unmounted; RuntimeCreated
	// likewise brackets the runtime's state for the container. Both tell a repair what to undo.
	Mounted        bool `json:"mounted,omitempty"`
	RuntimeCreated bool `json:"runtimeCreated,omitempty"`
	RestartCount   int  `json:"restartCount"`
	// VolumesCounted: volume.Store.Mounts succeeded for this run; Release is owed.
	VolumesCounted bool `json:"volumesCounted,omitempty"`
	// Ports are the ports this run publishes, random host ports resolved, as comma-separated -p
	// values (a string keeps State comparable; see netwire.EncodePorts).
	Ports string `json:"ports,omitempty"`
	// CgroupPath is the cgroups path this run's container was given ("" = none); OOMKilled says the
	// kernel's OOM killer killed a process of it (the monitor's record, see monitor.Config.OOMFile).
	CgroupPath string `json:"cgroupPath,omitempty"`
	OOMKilled  bool   `json:"oomKilled,omitempty"`
	// HealthTimer is the systemd timer that runs this run's health checks ("" = the monitor does).
	HealthTimer string `json:"healthTimer,omitempty"`
}

// Container is a container's record together with its storage identity.
type Container struct {
	ID     string `json:"id"`
	Config Config `json:"config"`
	State  State  `json:"state"`
	// Incomplete marks a storage container without a record: a create was killed before writing it.
	Incomplete bool `json:"-"`
	// Storage is the containers/storage view of the container.
	Storage *storage.Container `json:"-"`
	// policyRestart marks a start by the restart policy, which counts in State.RestartCount.
	policyRestart bool
	// preserveFDs is run's --preserve-fds for this start: the caller's file descriptors 3 to 3+N-1
	// go to the container's process.
	preserveFDs int
}

// Name returns the container's name.
func (c *Container) Name() string {
	if c.Config.Name != "" {
		return c.Config.Name
	}
	if c.Storage != nil && len(c.Storage.Names) > 0 {
		return c.Storage.Names[0]
	}
	return ""
}

// Command returns the process the container runs: entrypoint then command.
func (c *Container) Command() []string {
	return append(append([]string{}, c.Config.Entrypoint...), c.Config.Cmd...)
}

// Engine runs containers in one store with one OCI runtime.
type Engine struct {
	store storage.Store
	opts  EngineOptions
	rts   map[string]*oci.Runtime
}

// EngineOptions configure an Engine.
type EngineOptions struct {
	// Runtime is --runtime: a name or a path ("" picks crun or runc).
	Runtime string
	// GlobalArgs are skiff's global flags that select this store (--root, --runroot, …); the
	// monitor's clean-up command repeats them.
	GlobalArgs []string
	// Executable is skiff's own binary, for the clean-up command ("" = /proc/self/exe, which in the
	// monitor is skiff).
	Executable string
	// StateDir holds the container locks ("" = the user's skiff state directory in the runtime dir).
	StateDir string
	// NotifySocket is the service manager's socket ($NOTIFY_SOCKET of the command, read before anything
	// changed the environment): a start tells it about the container as --sdnotify says (sdnotify.go).
	NotifySocket string
}

// New returns an engine working on store.
func New(store storage.Store, opts EngineOptions) *Engine {
	return &Engine{store: store, opts: opts}
}

// Store returns the engine's store.
func (e *Engine) Store() storage.Store { return e.store }

// Clone returns an engine on the same store with the same options, for a goroutine of its own (an
// Engine is not safe for concurrent use).
func (e *Engine) Clone() *Engine { return New(e.store, e.opts) }

// WithRootFS runs fn with container nameOrID locked and its root file system mounted at rootfs: cp,
// export and the Docker API's archive endpoints read and write the container's files through it.
func (e *Engine) WithRootFS(ctx context.Context, nameOrID string, fn func(c *Container, rootfs string) error) error {
	c, l, err := e.lockedGet(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.unlock()
	rootfs, err := e.store.Mount(c.ID, "")
	if err != nil {
		return fmt.Errorf("mount container %s: %w", c.Name(), err)
	}
	// Drop only the mount count taken here: a running container keeps its own.
	defer func() { _, _ = e.store.Unmount(c.ID, false) }()
	return fn(c, rootfs)
}
