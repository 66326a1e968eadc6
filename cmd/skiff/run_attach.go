package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container"
)

// preserveFDs checks run's --preserve-fds: every descriptor it passes must be open.
func preserveFDs(c *cli.Context, ro *container.RunOptions) error {
	n := int(c.Uint("preserve-fds"))
	for fd := 3; fd < 3+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return fmt.Errorf("--preserve-fds %d: file descriptor %d is not open", n, fd)
		}
	}
	ro.PreserveFDs = n
	return nil
}

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
