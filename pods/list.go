package pods

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
)

// States of a pod, as Podman names them.
const (
	StateCreated  = "Created"
	StateRunning  = "Running"
	StateDegraded = "Degraded"
	StatePaused   = "Paused"
	StateStopped  = "Stopped"
	StateExited   = "Exited"
	StateErrored  = "Error"
)

// Status is the pod's state, computed from its containers' as Podman does (libpod
// createPodStatusResults): no containers is Created; all running is Running; some running is
// Degraded; all paused is Paused; all exited is Exited; some exited (the others created) is Stopped.
// A container being stopped still counts as running.
func (v *View) Status() string {
	return podStatus(v.Containers)
}

func podStatus(cs []*container.Container) string {
	n := len(cs)
	if n == 0 {
		return StateCreated
	}
	var running, paused, stopped, created, errored int
	for _, c := range cs {
		switch c.State.Status {
		case container.StatusExited:
			stopped++
		case container.StatusRunning, container.StatusStopping:
			running++
		case container.StatusPaused:
			paused++
		case container.StatusCreated:
			created++
		default:
			errored++
		}
	}
	switch {
	case running == n:
		return StateRunning
	case running > 0:
		return StateDegraded
	case paused == n:
		return StatePaused
	case stopped == n:
		return StateExited
	case stopped > 0:
		return StateStopped
	case errored > 0:
		return StateErrored
	}
	return StateCreated
}

// ListOptions control List.
type ListOptions struct {
	// Filters are KEY=VALUE (name, id, status, label, ctr-names, ctr-ids, ctr-status, ctr-number):
	// values of one key are alternatives, different keys must all match (Podman's rule).
	Filters []string
	// Sort orders the pods by created (newest first, the default), id, name, number or status.
	Sort string
}

// List returns the pods ps shows.
func (e *Engine) List(o ListOptions) ([]*View, error) {
	match, err := compileFilters(o.Filters)
	if err != nil {
		return nil, err
	}
	less, err := sorter(o.Sort)
	if err != nil {
		return nil, err
	}
	all, err := e.All()
	if err != nil {
		return nil, err
	}
	var out []*View
	for _, v := range all {
		if match(v) {
			out = append(out, v)
		}
	}
	if less != nil {
		slices.SortStableFunc(out, less)
	}
	return out, nil
}

func sorter(key string) (func(a, b *View) int, error) {
	switch key {
	case "", "created":
		return nil, nil // All's order
	case "id":
		return func(a, b *View) int { return strings.Compare(a.ID, b.ID) }, nil
	case "name":
		return func(a, b *View) int { return strings.Compare(a.Name, b.Name) }, nil
	case "number":
		return func(a, b *View) int { return len(a.Containers) - len(b.Containers) }, nil
	case "status":
		return func(a, b *View) int { return strings.Compare(a.Status(), b.Status()) }, nil
	}
	return nil, fmt.Errorf("--sort %q: want created, id, name, number or status: %w", key, ErrInvalid)
}

// compileFilters turns pod ps --filter values into one predicate.
func compileFilters(specs []string) (func(*View) bool, error) {
	byKey := map[string][]func(*View) bool{}
	anyCtr := func(pred func(*container.Container) bool) func(*View) bool {
		return func(v *View) bool { return slices.ContainsFunc(v.Containers, pred) }
	}
	for _, f := range specs {
		key, value, ok := strings.Cut(f, "=")
		if !ok || value == "" {
			return nil, fmt.Errorf("--filter %q: want KEY=VALUE: %w", f, ErrInvalid)
		}
		var fn func(*View) bool
		switch key {
		case "name":
			re, err := regexp.Compile(value)
			if err != nil {
				return nil, fmt.Errorf("--filter %q: %w", f, err)
			}
			fn = func(v *View) bool { return re.MatchString(v.Name) }
		case "id":
			fn = func(v *View) bool { return strings.HasPrefix(v.ID, value) }
		case "status":
			want := ""
			for _, s := range []string{StateCreated, StateRunning, StateDegraded, StatePaused, StateStopped, StateExited, StateErrored} {
				if strings.EqualFold(s, value) || (s == StateErrored && value == "dead") {
					want = s
				}
			}
			if want == "" {
				return nil, fmt.Errorf("--filter %q: status must be one of created, running, degraded, paused, stopped, exited or dead: %w", f, ErrInvalid)
			}
			fn = func(v *View) bool { return v.Status() == want }
		case "label":
			k, val, hasValue := strings.Cut(value, "=")
			fn = func(v *View) bool {
				got, ok := v.Labels[k]
				return ok && (!hasValue || got == val)
			}
		case "ctr-names":
			fn = anyCtr(func(c *container.Container) bool { return c.Name() == value })
		case "ctr-ids":
			fn = anyCtr(func(c *container.Container) bool { return strings.HasPrefix(c.ID, value) })
		case "ctr-status":
			switch value {
			case container.StatusCreated, container.StatusRunning, container.StatusPaused, container.StatusExited, container.StatusStopping:
			default:
				return nil, fmt.Errorf("--filter %q: ctr-status must be one of created, running, paused, stopping or exited: %w", f, ErrInvalid)
			}
			fn = anyCtr(func(c *container.Container) bool { return c.State.Status == value })
		case "ctr-number":
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("--filter %q: want a number: %w", f, ErrInvalid)
			}
			fn = func(v *View) bool { return len(v.Containers) == n }
		default:
			return nil, fmt.Errorf("--filter %q: unknown filter %q (want name, id, status, label, ctr-names, ctr-ids, ctr-status or ctr-number): %w", f, key, ErrInvalid)
		}
		byKey[key] = append(byKey[key], fn)
	}
	return func(v *View) bool {
		for _, fns := range byKey {
			if !slices.ContainsFunc(fns, func(fn func(*View) bool) bool { return fn(v) }) {
				return false
			}
		}
		return true
	}, nil
}

// Row is one line of pod ps: the fields a --format template can use (Podman's names).
type Row struct {
	ID                 string
	Name               string
	Status             string
	Created            string // "3 seconds ago"
	CreatedAt          string
	InfraID            string
	NumberOfContainers int
	ContainerIds       string
	ContainerNames     string
	ContainerStatuses  string
	Labels             map[string]string
	Networks           string
	Cgroup             string
	Namespace          string
}

// Row returns the pod ps line of v; IDs are cut to 12 characters unless noTrunc.
func (v *View) Row(noTrunc bool, now time.Time) Row {
	cut := func(id string) string {
		if noTrunc {
			return id
		}
		return shortID(id)
	}
	r := Row{
		ID:                 cut(v.ID),
		Name:               v.Name,
		Status:             v.Status(),
		Created:            view.HumanSince(v.Created, now),
		CreatedAt:          v.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST"),
		InfraID:            cut(v.InfraID()),
		NumberOfContainers: len(v.Containers),
		Labels:             v.Labels,
	}
	var ids, names, states []string
	for _, c := range v.Containers {
		ids = append(ids, cut(c.ID))
		names = append(names, c.Name())
		states = append(states, c.State.Status)
	}
	r.ContainerIds, r.ContainerNames, r.ContainerStatuses = strings.Join(ids, ","), strings.Join(names, ","), strings.Join(states, ",")
	return r
}

// Report is one pod of `pod ps --format json`, shaped like Podman's ListPodsReport.
type Report struct {
	Cgroup     string            `json:"Cgroup"`
	Containers []ReportContainer `json:"Containers"`
	Created    time.Time         `json:"Created"`
	ID         string            `json:"Id"`
	InfraID    string            `json:"InfraId"`
	Name       string            `json:"Name"`
	Namespace  string            `json:"Namespace"`
	Networks   []string          `json:"Networks"`
	Status     string            `json:"Status"`
	Labels     map[string]string `json:"Labels"`
}

// ReportContainer is a container of a Report.
type ReportContainer struct {
	ID     string `json:"Id"`
	Names  string `json:"Names"`
	Status string `json:"Status"`
}

// Report returns the JSON form of v for pod ps.
func (v *View) Report() Report {
	r := Report{Containers: []ReportContainer{}, Created: v.Created, ID: v.ID, InfraID: v.InfraID(), Name: v.Name,
		Networks: []string{}, Status: v.Status(), Labels: v.Labels}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	for _, c := range v.Containers {
		r.Containers = append(r.Containers, ReportContainer{ID: c.ID, Names: c.Name(), Status: c.State.Status})
	}
	return r
}
