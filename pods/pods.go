package pods

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/pkg/namesgenerator"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/container/podwire"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNoSuchPod: a name or ID matches no pod (Podman's wording).
	ErrNoSuchPod = errors.New("no such pod")
	// ErrAmbiguous: an ID prefix matches more than one pod.
	ErrAmbiguous = errors.New("more than one pod matches")
	// ErrPodExists: the name is taken (Podman's wording).
	ErrPodExists = errors.New("pod already exists")
	// ErrInvalid: a bad flag value; nothing was created.
	ErrInvalid = errors.New("invalid pod spec")
)

// Namespaces a pod can share, and the default (Podman's, which matches Kubernetes).
var (
	ShareableNamespaces = []string{"ipc", "net", "pid", "uts"}
	DefaultShare        = []string{"ipc", "net", "uts"}
)

// Pod is a pod's record.
type Pod struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Created time.Time         `json:"created"`
	Labels  map[string]string `json:"labels,omitempty"`
	// Hostname is --hostname as given ("" = the pod's name, which the infra container gets).
	Hostname string `json:"hostname,omitempty"`
	// Share are the namespaces the members share with the infra container, sorted.
	Share []string `json:"share,omitempty"`
	// Infra says the pod was created with an infra container.
	Infra         bool     `json:"infra"`
	CreateCommand []string `json:"createCommand,omitempty"`
	// InfraPIDFile is --infra-conmon-pidfile: pod start writes the infra container's monitor PID there
	// (the PIDFile= of a Quadlet .pod unit).
	InfraPIDFile string `json:"infraPidFile,omitempty"`
	// ExitPolicy is what happens when the last member exits ("" = ExitContinue).
	ExitPolicy string `json:"exitPolicy,omitempty"`
}

// View is a pod with its containers as they are now.
type View struct {
	*Pod
	// Infra is the infra container (nil: the pod has none, or it was lost).
	Infra *container.Container
	// Containers are all the pod's containers, the infra container included, sorted by ID.
	Containers []*container.Container
}

// Members returns the containers of the pod other than the infra container.
func (v *View) Members() []*container.Container {
	var out []*container.Container
	for _, c := range v.Containers {
		if c != v.Infra {
			out = append(out, c)
		}
	}
	return out
}

// InfraID returns the infra container's ID, or "".
func (v *View) InfraID() string {
	if v.Infra == nil {
		return ""
	}
	return v.Infra.ID
}

// Engine manages the pods of one store, through a container engine.
type Engine struct {
	ctr *container.Engine
	st  store
}

// New returns the pod engine over ctr's store.
func New(ctr *container.Engine) *Engine {
	return &Engine{ctr: ctr, st: newStore(filepath.Join(ctr.Store().GraphRoot(), storeDir))}
}

// Containers returns the container engine.
func (e *Engine) Containers() *container.Engine { return e.ctr }

// views builds the views of pods from one listing of the containers.
func (e *Engine) views(pods []*Pod) ([]*View, error) {
	all, err := e.ctr.All()
	if err != nil {
		return nil, err
	}
	byPod := map[string][]*container.Container{}
	for _, c := range all {
		if p := c.Config.Pod; p != nil {
			byPod[p.ID] = append(byPod[p.ID], c)
		}
	}
	out := make([]*View, 0, len(pods))
	for _, p := range pods {
		v := &View{Pod: p, Containers: byPod[p.ID]}
		slices.SortFunc(v.Containers, func(a, b *container.Container) int { return strings.Compare(a.ID, b.ID) })
		for _, c := range v.Containers {
			if c.Config.Pod.Infra {
				v.Infra = c
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns pod nameOrID (a name, an ID or a unique ID prefix) with its containers.
func (e *Engine) Get(nameOrID string) (*View, error) {
	pods, err := e.st.list()
	if err != nil {
		return nil, err
	}
	p, err := find(pods, nameOrID)
	if err != nil {
		return nil, err
	}
	vs, err := e.views([]*Pod{p})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// All returns every pod with its containers, newest first.
func (e *Engine) All() ([]*View, error) {
	pods, err := e.st.list()
	if err != nil {
		return nil, err
	}
	slices.Reverse(pods)
	return e.views(pods)
}

// CreateOptions describe a pod; they mirror `skiff pod create`.
type CreateOptions struct {
	Name   string
	Labels map[string]string
	// Share are the namespaces to share (ParseShare); ignored without an infra container.
	Share []string
	// Infra creates the infra container; InfraCommand, InfraName are its command ("" = catatonit -P)
	// and name ("" = <ID12>-infra).
	Infra        bool
	InfraCommand []string
	InfraName    string
	// Hostname is the pod's hostname ("" = its name).
	Hostname string
	// Network holds --network, -p and the names flags: the infra container's.
	Network       netwire.Options
	CreateCommand []string
	// InfraPIDFile is --infra-conmon-pidfile (see Pod.InfraPIDFile).
	InfraPIDFile string
	// Replace removes a pod of the same name first, with its containers (--replace).
	Replace bool
	// ExitPolicy is --exit-policy: ExitContinue (the default) or ExitStop.
	ExitPolicy string
}

// Exit policies of a pod: what happens when its last container exits.
const (
	ExitContinue = "continue" // the infra container keeps running
	ExitStop     = "stop"     // the pod stops
)

// Create creates a pod and its infra container, which is left created: the pod starts with its first
// member, or with pod start. On error nothing is left behind.
func (e *Engine) Create(ctx context.Context, o CreateOptions) (*View, error) {
	if err := checkCreate(&o); err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	if o.Replace && o.Name != "" {
		if _, err := e.Remove(ctx, o.Name, RemoveOptions{Force: true}); err != nil && !errors.Is(err, ErrNoSuchPod) {
			return nil, fmt.Errorf("--replace: %w", err)
		}
	}
	unlock, err := e.st.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	pods, err := e.st.list()
	if err != nil {
		return nil, err
	}
	name := o.Name
	if name == "" {
		for try := 0; name == "" || slices.ContainsFunc(pods, func(p *Pod) bool { return p.Name == name }); try++ {
			name = namesgenerator.GetRandomName(try / 3)
		}
	}
	for _, p := range pods {
		if p.Name == name {
			return nil, fmt.Errorf("adding pod to state: name %q is in use by pod %s: %w", name, shortID(p.ID), ErrPodExists)
		}
	}
	p := &Pod{ID: id, Name: name, Created: time.Now(), Labels: o.Labels, Hostname: o.Hostname, Infra: o.Infra,
		CreateCommand: o.CreateCommand, InfraPIDFile: o.InfraPIDFile, ExitPolicy: o.ExitPolicy}
	if o.Infra {
		p.Share = o.Share
	}
	if err := e.st.save(p); err != nil {
		return nil, err
	}
	v := &View{Pod: p}
	if !o.Infra {
		return v, nil
	}
	infraName := o.InfraName
	if infraName == "" {
		infraName = id[:12] + "-infra"
	}
	hostname := o.Hostname
	if hostname == "" {
		hostname = name
	}
	infra, err := e.ctr.Create(ctx, container.CreateOptions{
		Name:          infraName,
		Command:       o.InfraCommand,
		Hostname:      hostname,
		Network:       o.Network,
		CreateCommand: o.CreateCommand,
		Pod:           &podwire.Config{ID: id, Name: name, Infra: true, Share: p.Share},
	})
	if err != nil {
		_ = e.st.remove(id)
		return nil, fmt.Errorf("create the infra container of pod %s: %w", name, err)
	}
	v.Infra, v.Containers = infra, []*container.Container{infra}
	return v, nil
}

// checkCreate checks the options of Create before anything is stored.
func checkCreate(o *CreateOptions) error {
	switch o.ExitPolicy {
	case "", ExitContinue, ExitStop:
	default:
		return fmt.Errorf("--exit-policy %q: want continue or stop: %w", o.ExitPolicy, ErrInvalid)
	}
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return err
		}
	}
	if o.InfraName != "" {
		if err := container.ValidateName(o.InfraName); err != nil {
			return err
		}
	}
	if !o.Infra {
		n := o.Network
		set := func(flag string, ok bool) error {
			if ok {
				return fmt.Errorf("%s needs an infra container: the pod's network is the infra container's (drop --infra=false or --share \"\"): %w", flag, ErrInvalid)
			}
			return nil
		}
		return errors.Join(
			set("-p", len(n.Ports) > 0 || n.PublishAll),
			set("--network", n.Mode.Kind != "" || len(n.Networks) > 0),
			set("--add-host", len(n.AddHosts) > 0),
			set("--dns", len(n.DNS)+len(n.DNSSearch)+len(n.DNSOptions) > 0),
			set("--hostname", o.Hostname != ""),
			set("--infra-command", len(o.InfraCommand) > 0),
			set("--infra-name", o.InfraName != ""),
		)
	}
	return nil
}

// ValidateName checks a pod name: Podman's [a-zA-Z0-9][a-zA-Z0-9_.-]*.
func ValidateName(name string) error {
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '.' || r == '-'))
		if !ok {
			return fmt.Errorf("pod name %q: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: %w", name, ErrInvalid)
		}
	}
	return nil
}

// ParseShare parses --share: a comma-separated list of namespaces that replaces the default, or, with a
// leading "+", adds to it; "" and "none" share nothing. It returns the namespaces sorted.
func ParseShare(value string) ([]string, error) {
	var out []string
	rest, add := strings.CutPrefix(value, "+")
	if add {
		out = slices.Clone(DefaultShare)
	}
	if rest == "none" {
		rest = ""
	}
	for _, ns := range strings.Split(rest, ",") {
		ns = strings.TrimSpace(ns)
		switch {
		case ns == "":
			continue
		case ns == "cgroup":
			return nil, fmt.Errorf("--share %q: skiff gives containers no cgroup namespace of their own to share (known: %s): %w",
				value, strings.Join(ShareableNamespaces, ", "), ErrInvalid)
		case !slices.Contains(ShareableNamespaces, ns):
			return nil, fmt.Errorf("--share %q: unknown namespace %q (known: %s): %w", value, ns, strings.Join(ShareableNamespaces, ", "), ErrInvalid)
		}
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Join resolves the --pod value of create and run for an existing pod: the membership to put in
// container.CreateOptions.Pod.
func (e *Engine) Join(nameOrID string) (*podwire.Config, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	if v.Pod.Infra && v.Infra == nil {
		return nil, fmt.Errorf("pod %s has lost its infra container (its create was interrupted): remove it with skiff pod rm -f %s", v.Name, v.Name)
	}
	return &podwire.Config{ID: v.ID, Name: v.Name, InfraID: v.InfraID(), Share: slices.Clone(v.Share)}, nil
}

// Enter puts the container o describes into the pod named by ref (--pod of create and run): a pod
// name or ID, or new:NAME, which creates the pod first with o's network options and hostname (they
// become the pod's, as in Podman). undo removes a pod Enter created: call it when the container was not
// created after all. It is the one owner of that clean-up, whichever front end creates the container.
func (e *Engine) Enter(ctx context.Context, ref string, o *container.CreateOptions) (undo func(), err error) {
	undo = func() {}
	if ref == "" {
		return undo, nil
	}
	if name, ok := strings.CutPrefix(ref, "new:"); ok {
		v, err := e.Create(ctx, CreateOptions{Name: name, Share: DefaultShare, Infra: true,
			Hostname: o.Hostname, Network: o.Network, CreateCommand: o.CreateCommand})
		if err != nil {
			return undo, err
		}
		o.Network, o.Hostname = netwire.Options{Expose: o.Network.Expose}, ""
		undo = func() { _, _ = e.Remove(context.WithoutCancel(ctx), v.ID, RemoveOptions{Force: true}) }
		ref = v.ID
	}
	if o.Pod, err = e.Join(ref); err != nil {
		undo()
		return func() {}, err
	}
	return undo, nil
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate pod ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}
