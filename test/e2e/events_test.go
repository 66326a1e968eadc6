package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15, events: a run --rm leaves create, init, start, died and remove, in order.
func TestEvents(t *testing.T) {
	name := Name(t)
	// A streaming reader, started first, that ends at --until: it sees the events as they come.
	until := time.Now().Add(6 * time.Second).Format(time.RFC3339Nano)
	streamed := make(chan Result, 1)
	go func() {
		streamed <- Run(t, "events", "--filter", "container="+name, "--filter", "event=start", "--until", until, "--format", "{{.Name}} {{.Status}}")
	}()
	time.Sleep(time.Second)
	Expect(t, 3, nil, "run", "--rm", "--name", name, "-l", "purpose=events", Busybox, "sh", "-c", "exit 3")

	out := Must(t, "events", "--stream=false", "--since", "1m", "--filter", "container="+name, "--format", "{{.Status}}")
	if got := strings.Join(strings.Fields(out), " "); got != "create init start died remove" {
		t.Fatalf("events of a run --rm: %q, want create init start died remove", got)
	}
	line := Must(t, "events", "--stream=false", "--since", "1m", "--filter", "container="+name, "--filter", "event=died")
	if !Matches(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC container died [0-9a-f]{64} \(image=`+Quote(Busybox)+`, name=`+Quote(name)+`.*containerExitCode=3.*purpose=events`, line) {
		t.Fatalf("Podman's human-readable line: %q", line)
	}
	var ev struct{ Name, Status, Type string }
	js := Must(t, "events", "--stream=false", "--since", "1m", "--filter", "container="+name, "--filter", "event=remove", "--format", "json")
	if err := json.Unmarshal([]byte(js), &ev); err != nil || ev.Name != name || ev.Status != "remove" || ev.Type != "container" {
		t.Fatalf("--format json: %q (%v)", js, err)
	}
	if out := Must(t, "events", "--stream=false", "--since", "1m", "--until", "30s", "--filter", "container="+name); out != "" {
		t.Fatalf("--until 30s (ago) shows events of the last seconds:\n%s", out)
	}
	if out := Must(t, "events", "--stream=false", "--since", "1m", "--filter", "container="+name, "--filter", "label=purpose=other"); out != "" {
		t.Fatalf("--filter label=purpose=other matched:\n%s", out)
	}
	r := <-streamed
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != name+" start" {
		t.Fatalf("a streaming events until a time: want the start it saw\n%s", r)
	}
	Expect(t, 125, []string{"--filter", "want KEY=VALUE"}, "events", "--stream=false", "--filter", "colour=red")

	// rm -f of a running container: it died, then was removed.
	name2 := Name(t) + "-rmf"
	Must(t, "run", "-d", "--name", name2, Busybox, "sleep", "300")
	Must(t, "rm", "-f", name2)
	out = Must(t, "events", "--stream=false", "--since", "1m", "--filter", "container="+name2, "--format", "{{.Status}}")
	if got := strings.Join(strings.Fields(out), " "); got != "create init start died remove" {
		t.Fatalf("events of rm -f: %q, want create init start died remove", got)
	}
}
