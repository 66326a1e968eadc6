package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
)

// attachStreams applies run's -a/--attach: only the named streams are attached; the others' output is
// still logged, as Podman does.
func attachStreams(c *cli.Context, ro *container.RunOptions) error {
	streams := splitCommas(c.StringSlice("attach"))
	if len(streams) == 0 {
		return nil
	}
	if ro.Detach {
		return errors.New("--attach and --detach cannot be combined")
	}
	want := map[string]bool{}
	for _, s := range streams {
		switch s {
		case "stdin", "stdout", "stderr":
			want[s] = true
		default:
			return fmt.Errorf("--attach %q: want stdin, stdout or stderr", s)
		}
	}
	st := &ro.Attach.Streams
	if !want["stdout"] {
		st.Out = io.Discard
	}
	if !want["stderr"] {
		st.Err = io.Discard
	}
	if !want["stdin"] {
		st.In = nil
	} else {
		ro.Create.Interactive = true // Podman: attaching stdin keeps it open
	}
	return nil
}
