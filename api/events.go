package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"time"

	devents "github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/skiffproject/skiff/events"
)

// eventRoutes is GET /events.
func (s *Server) eventRoutes() []route {
	return []route{{[]string{http.MethodGet}, "/events", s.events}}
}

// eventFilterKeys are the filters GET /events takes. skiff records container events only: a type
// filter for anything else matches nothing.
var eventFilterKeys = []string{"container", "event", "image", "label", "type"}

// events answers GET /events?since=&until=&filters=: the user's event log (the one `skiff events`
// reads) as Docker's event messages, one JSON object per line. Without until it follows the log until
// the client goes away; without since it starts now.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	args, err := filterArgs(r, "events", eventFilterKeys)
	if err != nil {
		return err
	}
	since, err := timeParam(r, "since")
	if err != nil {
		return err
	}
	until, err := timeParam(r, "until")
	if err != nil {
		return err
	}
	now := time.Now()
	if since.IsZero() {
		since = now
	}
	o := events.ReadOptions{Since: since, Until: until, Stream: until.IsZero() || until.After(now)}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return nil // the client went away
	}
	enc := json.NewEncoder(w)
	return s.containers().Events().Read(r.Context(), o, func(e events.Event) error {
		m, ok := dockerEvent(e)
		if !ok || !eventMatches(args, m) {
			return nil
		}
		if err := enc.Encode(m); err != nil {
			return err
		}
		return rc.Flush()
	})
}

// dockerActions are Docker's names for the statuses skiff records where they differ (Podman's names);
// "" drops the event (Docker has no "init").
var dockerActions = map[string]devents.Action{"died": devents.ActionDie, "remove": devents.ActionDestroy, "init": ""}

// dockerEvent turns a recorded event into Docker's message: the labels, the name and the image as
// attributes, and the exit code of a "die" as exitCode.
func dockerEvent(e events.Event) (devents.Message, bool) {
	action := devents.Action(e.Status)
	if a, ok := dockerActions[e.Status]; ok {
		action = a
	}
	if action == "" {
		return devents.Message{}, false
	}
	attrs := maps.Clone(e.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	if code, ok := attrs["containerExitCode"]; ok {
		delete(attrs, "containerExitCode")
		attrs["exitCode"] = code
	}
	attrs["name"] = e.Name
	attrs["image"] = e.Image
	typ := devents.Type(e.Type)
	if typ == "" {
		typ = devents.ContainerEventType
	}
	return devents.Message{
		//lint:ignore SA1019 deprecated, but the fields clients of API < 1.22 read
		Status: string(action), ID: e.ID, From: e.Image, //nolint:staticcheck // as above
		Type: typ, Action: action, Actor: devents.Actor{ID: e.ID, Attributes: attrs},
		Scope: "local", Time: e.Time.Unix(), TimeNano: e.Time.UnixNano(),
	}, true
}

// eventMatches applies Docker's event filters: values of one key are alternatives, keys must all
// match; a label filter is KEY or KEY=VALUE against the attributes.
func eventMatches(args filters.Args, m devents.Message) bool {
	name := m.Actor.Attributes["name"]
	image := m.Actor.Attributes["image"]
	checks := map[string]func(v string) bool{
		"container": func(v string) bool {
			return v == name || v == m.Actor.ID || len(v) >= 3 && strings.HasPrefix(m.Actor.ID, v)
		},
		"event": func(v string) bool { return v == string(m.Action) },
		"type":  func(v string) bool { return v == string(m.Type) },
		"image": func(v string) bool {
			short := strings.TrimSuffix(image, ":latest")
			return v == image || v == short || strings.TrimPrefix(image, "localhost/") == v || strings.TrimPrefix(short, "localhost/") == v
		},
	}
	for key, check := range checks {
		vals := args.Get(key)
		if len(vals) == 0 {
			continue
		}
		ok := false
		for _, v := range vals {
			ok = ok || check(v)
		}
		if !ok {
			return false
		}
	}
	for _, l := range args.Get("label") {
		k, v, hasValue := strings.Cut(l, "=")
		got, present := m.Actor.Attributes[k]
		if !present || hasValue && got != v {
			return false
		}
	}
	return true
}
