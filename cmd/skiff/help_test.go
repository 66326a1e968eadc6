package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
)

// eachCommand calls fn for every command under cmds with its path ("network ls").
func eachCommand(cmds []*cli.Command, prefix string, fn func(path string, c *cli.Command)) {
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		path := strings.TrimSpace(prefix + " " + c.Name)
		fn(path, c)
		eachCommand(c.Subcommands, path, fn)
	}
}

// TestHelpFitsAndHasExamples: every verb's help fits in 100 and in 60 columns and shows an example.
func TestHelpFitsAndHasExamples(t *testing.T) {
	eachCommand(newApp().Commands, "", func(path string, c *cli.Command) {
		for _, width := range []int{60, 100} {
			var b strings.Builder
			writeHelp(&b, width, commandPage("skiff "+path, c))
			for _, line := range strings.Split(b.String(), "\n") {
				if utf8.RuneCountInString(line) > width {
					t.Errorf("skiff %s --help at %d columns: line of %d: %q", path, width, utf8.RuneCountInString(line), line)
				}
			}
			if len(c.Subcommands) == 0 && !strings.Contains(b.String(), "\nExamples:\n") {
				t.Errorf("skiff %s --help has no example (add EXAMPLE: lines to its ArgsUsage)", path)
				break
			}
		}
	})
}

func TestWrapTo(t *testing.T) {
	var b strings.Builder
	wrapTo(&b, "aaa bbb ccc dddddddddddd", 2, 4, 10)
	want := "  aaa bbb\n    ccc\n    dddddd\n    dddddd\n"
	if b.String() != want {
		t.Errorf("wrapTo:\n%q\nwant\n%q", b.String(), want)
	}
}
