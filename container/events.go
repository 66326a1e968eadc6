package container

import (
	"maps"
	"path/filepath"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/events"
	"github.com/skiffproject/skiff/userns"
)

// Events is the user's event log, in the runtime directory.
func (e *Engine) Events() *events.Log {
	dir := userns.StateDir()
	if e.opts.StateDir != "" {
		dir = e.opts.StateDir
	}
	return events.New(filepath.Join(dir))
}

// event records that status happened to c (create, init, start, died, remove, stop, kill, pause, …),
// with its labels as attributes, as Podman does. A failure to record is a warning, never the
// operation's failure.
func (e *Engine) event(c *Container, status string, attrs ...string) {
	a := maps.Clone(c.Config.Labels)
	if a == nil {
		a = map[string]string{}
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		a[attrs[i]] = attrs[i+1]
	}
	err := e.Events().Write(events.Event{ID: c.ID, Name: c.Name(), Image: c.Config.ImageName, Status: status,
		Type: events.TypeContainer, Attributes: a})
	if err != nil {
		logrus.Warnf("container %s: %v", c.Name(), err)
	}
}

// diedEvent records an exit with its code.
func (e *Engine) diedEvent(c *Container) {
	e.event(c, "died", "containerExitCode", strconv.Itoa(c.State.ExitCode))
}
