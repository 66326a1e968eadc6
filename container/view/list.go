package view

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/systemd"
)

// ListOptions control List.
type ListOptions struct {
	// All includes containers that are not running (-a).
	All bool
	// Filters are KEY=VALUE (name, status, label, ancestor, id, restart-policy): values of one key are alternatives,
	// different keys must all match.
	Filters []string
	// Last keeps only the N most recently created (-n; -l is 1); 0 keeps all.
	Last int
	// Size computes the writable layer's size (-s).
	Size bool
	// NoTrunc prints full IDs and commands.
	NoTrunc bool
}

// Row is one line of ps: the fields a --format template can use (Podman's names).
type Row struct {
	ID           string
	Image        string
	ImageID      string
	Command      string
	Created      int64 // Unix seconds
	CreatedAt    string
	CreatedHuman string
	RunningFor   string
	Status       string
	State        string
	Health       string `json:",omitempty"` // healthy, unhealthy or starting, for a running container with a health check
	Ports        string
	Names        string
	Labels       map[string]string
	Size         string
	SizeRw       int64 // the writable layer's size in bytes, with ListOptions.Size
	Pid          int
	ExitCode     int
	Exited       bool
	StartedAt    int64
	ExitedAt     int64
	// Mounts are the destinations of the container's volumes and bind mounts (Podman's UserVolumes).
	Mounts []string
	// Networks are the user-defined networks, comma separated.
	Networks   string
	AutoRemove bool
	// Pod is the pod's ID (12 characters unless --no-trunc) and PodName its name; "" outside a pod.
	Pod, PodName string
	IsInfra      bool
	Restarts     int
}

// Label returns the value of label name, for Podman's {{.Label "name"}}.
func (r Row) Label(name string) string { return r.Labels[name] }

// List returns the rows of `ps`, newest first.
func List(e *container.Engine, o ListOptions) ([]Row, error) {
	match, err := compileFilters(o.Filters)
	if err != nil {
		return nil, err
	}
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var rows []Row
	for _, c := range all {
		running := c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused || c.State.Status == container.StatusStopping
		if !o.All && !running && len(o.Filters) == 0 {
			continue
		}
		if !match(c) {
			continue
		}
		rows = append(rows, row(e, c, o, now))
		if o.Last > 0 && len(rows) == o.Last {
			break
		}
	}
	return rows, nil
}

func row(e *container.Engine, c *container.Container, o ListOptions, now time.Time) Row {
	cmd := strings.Join(c.Command(), " ")
	id := c.ID
	if !o.NoTrunc {
		id = slirpnet.ShortID(id)
		if len(cmd) > 20 {
			cmd = cmd[:17] + "..."
		}
	}
	r := Row{
		ID:           id,
		Image:        c.Config.ImageName,
		ImageID:      c.Config.ImageID,
		Command:      cmd,
		Created:      c.Config.Created.Unix(),
		CreatedAt:    c.Config.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST"),
		CreatedHuman: HumanSince(c.Config.Created, now),
		Status:       StatusText(&c.State, now),
		State:        c.State.Status,
		Names:        c.Name(),
		Labels:       c.Config.Labels,
		Pid:          c.State.Pid,
		ExitCode:     c.State.ExitCode,
		Exited:       c.State.Status == container.StatusExited,
		StartedAt:    unixOrZero(c.State.StartedAt),
		ExitedAt:     unixOrZero(c.State.FinishedAt),
		AutoRemove:   c.Config.AutoRemove,
	}
	if r.Image == "" {
		r.Image = slirpnet.ShortID(c.Config.ImageID)
	}
	r.Restarts = c.State.RestartCount
	r.Mounts = []string{}
	for _, m := range c.Config.Mounts {
		if m.Type == "volume" || m.Type == "bind" {
			r.Mounts = append(r.Mounts, m.Destination)
		}
	}
	var nets []string
	for _, n := range c.Config.Network.Networks {
		nets = append(nets, n.Network)
	}
	r.Networks = strings.Join(nets, ",")
	if p := c.Config.Pod; p != nil {
		r.Pod, r.PodName, r.IsInfra = p.ID, p.Name, p.Infra
		if !o.NoTrunc {
			r.Pod = slirpnet.ShortID(p.ID)
		}
	}
	if c.Config.Health.Enabled() && c.State.Status == container.StatusRunning {
		r.Health = e.HealthState(c).Status
		r.Status += " (" + r.Health + ")" // Podman's "Up 5 seconds (healthy)"
	}
	r.Ports = portsColumn(c)
	if !c.State.StartedAt.IsZero() {
		r.RunningFor = units.HumanDuration(now.Sub(c.State.StartedAt))
	}
	if o.Size {
		var virtual int64
		if img, err := e.Store().Image(c.Config.ImageID); err == nil {
			if n, err := e.Store().ImageSize(img.ID); err == nil {
				virtual = n
			}
		}
		rw := e.DiffSize(c.ID)
		r.SizeRw = rw
		r.Size = fmt.Sprintf("%s (virtual %s)", units.HumanSizeWithPrecision(float64(rw), 3), units.HumanSizeWithPrecision(float64(rw+virtual), 3))
	}
	return r
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// StateText is Podman 4's human state of a container, which its ps templates show as {{.State}} and
// {{.Status}}: "Up 5 seconds ago", "Exited (0) 2 minutes ago", "Created", "Paused".
func StateText(r *Row, now time.Time) string {
	switch r.State {
	case container.StatusRunning:
		return "Up " + units.HumanDuration(now.Sub(time.Unix(r.StartedAt, 0))) + " ago"
	case container.StatusExited:
		return fmt.Sprintf("Exited (%d) %s ago", r.ExitCode, units.HumanDuration(now.Sub(time.Unix(r.ExitedAt, 0))))
	case "":
		return ""
	}
	return strings.ToUpper(r.State[:1]) + r.State[1:]
}

// HumanSince is Podman's CREATED column: "3 seconds ago".
func HumanSince(t, now time.Time) string {
	return units.HumanDuration(now.Sub(t)) + " ago"
}

// StatusText is Podman's STATUS column: "Up 3 seconds", "Exited (137) 2 seconds ago", "Created".
func StatusText(s *container.State, now time.Time) string {
	switch s.Status {
	case container.StatusRunning:
		return "Up " + units.HumanDuration(now.Sub(s.StartedAt))
	case container.StatusPaused:
		return "Up " + units.HumanDuration(now.Sub(s.StartedAt)) + " (Paused)"
	case container.StatusStopping:
		return "Stopping"
	case container.StatusExited:
		return fmt.Sprintf("Exited (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	case container.StatusCreated:
		return "Created"
	}
	return strings.ToUpper(s.Status[:1]) + s.Status[1:]
}

// compileFilters turns ps --filter values into one predicate.
func compileFilters(specs []string) (func(*container.Container) bool, error) {
	byKey := map[string][]func(*container.Container) bool{}
	for _, f := range specs {
		key, value, ok := strings.Cut(f, "=")
		if !ok || value == "" {
			return nil, fmt.Errorf("--filter %q: want KEY=VALUE", f)
		}
		var fn func(*container.Container) bool
		switch key {
		case "name":
			re, err := regexp.Compile(value)
			if err != nil {
				return nil, fmt.Errorf("--filter %q: %w", f, err)
			}
			fn = func(c *container.Container) bool { return re.MatchString(c.Name()) }
		case "id":
			fn = func(c *container.Container) bool { return strings.HasPrefix(c.ID, value) }
		case "status":
			switch value {
			case container.StatusCreated, container.StatusRunning, container.StatusPaused, container.StatusExited, container.StatusStopping, "unknown":
			default:
				return nil, fmt.Errorf("--filter %q: status must be one of created, running, paused, stopping, exited, unknown", f)
			}
			fn = func(c *container.Container) bool { return c.State.Status == value }
		case "label":
			k, v, hasValue := strings.Cut(value, "=")
			fn = func(c *container.Container) bool {
				got, ok := c.Config.Labels[k]
				return ok && (!hasValue || got == v)
			}
		case "ancestor":
			fn = func(c *container.Container) bool {
				return c.Config.Image == value || c.Config.ImageName == value || strings.HasPrefix(c.Config.ImageID, value) ||
					strings.TrimSuffix(c.Config.ImageName, ":latest") == value ||
					strings.HasSuffix(strings.TrimSuffix(c.Config.ImageName, ":latest"), "/"+value) ||
					strings.HasSuffix(c.Config.ImageName, "/"+value)
			}
		case "restart-policy":
			var err error
			if fn, err = restartPolicyFilter(value); err != nil {
				return nil, fmt.Errorf("--filter %q: %w", f, err)
			}
		default:
			return nil, fmt.Errorf("--filter %q: unknown filter %q (want name, id, status, label, ancestor or restart-policy)", f, key)
		}
		byKey[key] = append(byKey[key], fn)
	}
	return func(c *container.Container) bool {
		for key, fns := range byKey {
			if key == "label" {
				// Several label filters must all match, as in Podman and Docker (compose selects a
				// service's containers by project and service label).
				for _, fn := range fns {
					if !fn(c) {
						return false
					}
				}
				continue
			}
			any := false
			for _, fn := range fns {
				if fn(c) {
					any = true
					break
				}
			}
			if !any {
				return false
			}
		}
		return true
	}, nil
}

// restartPolicyFilter is ps's --filter restart-policy=NAME: the policy's name, whatever its retry count.
func restartPolicyFilter(name string) (func(*container.Container) bool, error) {
	p, err := systemd.ParseRestartPolicy(name)
	if err != nil || p.Name != name {
		return nil, fmt.Errorf("restart policy must be one of %s, %s, %s or %s", systemd.RestartNo, systemd.RestartOnFailure,
			systemd.RestartAlways, systemd.RestartUnlessStopped)
	}
	return func(c *container.Container) bool {
		got, err := systemd.ParseRestartPolicy(c.Config.RestartPolicy)
		return err == nil && got.Name == p.Name
	}, nil
}

// portsColumn is the PORTS column of ps.
func portsColumn(c *container.Container) string {
	return slirpnet.PortsColumn(c.Config.Network.Published(c.State.Ports), c.Config.Network.ExposedPorts())
}
