package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestNormalize(t *testing.T) {
	app := newApp()
	tests := []struct{ in, want string }{
		{"skiff rm web -f", "skiff rm --force web"},
		{"skiff rm -f web", "skiff rm --force web"},
		{"skiff --root /r stop web -t 2 db", "skiff --root=/r stop --time=2 web db"},
		{"skiff stop web --time=3", "skiff stop --time=3 web"},
		{"skiff container rm web -fv", "skiff container rm --force --volumes web"},
		{"skiff image rm a b --force", "skiff image rm --force a b"},
		{"skiff logs web --tail 5 -f", "skiff logs --tail=5 --follow web"},
		{"skiff run --rm img ls -l", "skiff run --rm img ls -l"},
		{"skiff run -v a:/a --volume b:/b -e A=1 --env B=2 img", "skiff run --volume=a:/a --volume=b:/b --env=A=1 --env=B=2 img"},
		{"skiff run -dit -eA=1 -p8080:80 -v=x:/x img sh -c -x", "skiff run --detach --interactive --tty --env=A=1 --publish=8080:80 --volume=x:/x img sh -c -x"},
		{"skiff run --rm=false --tty=true img", "skiff run --rm=false --tty=true img"},
		{"skiff run --rm -- img -x", "skiff run --rm -- img -x"},
		{"skiff exec web sh -c x", "skiff exec web sh -c x"},
		{"skiff container run img -d", "skiff container run img -d"},
		{"skiff unshare ls -l", "skiff unshare ls -l"},
		{"skiff rm -- -weird", "skiff rm -- -weird"},
		{"skiff rm -f -- -weird web", "skiff rm --force -- -weird web"},
		{"skiff ps --log-level debug -a", "skiff --log-level=debug ps --all"},
		{"skiff rm --bogus web", "skiff rm --bogus web"},
		{"skiff rm -Q web", "skiff rm -Q web"},
		{"skiff nosuch a -f", "skiff nosuch a -f"},
		{"skiff", "skiff"},
	}
	for _, tt := range tests {
		got := strings.Join(normalize(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("normalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestFlagTakesValue(t *testing.T) {
	defs := stopCommand().Flags
	for name, want := range map[string]bool{"time": true, "all": false} {
		if got := flagTakesValue(lookupFlag(defs, name)); got != want {
			t.Errorf("flagTakesValue(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestNormalizeHelp(t *testing.T) {
	app := newApp()
	for in, want := range map[string]string{
		"skiff ps -h":                "skiff ps --help",
		"skiff run -h box img":       "skiff run --hostname=box img",
		"skiff network ls -h":        "skiff network ls --help",
		"skiff --log-level=debug -h": "skiff --log-level=debug --help",
	} {
		if got := strings.Join(normalize(app, strings.Fields(in)), " "); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMixedFormsEveryRepeatableFlag: for every repeatable flag of run and create, the values given with
// each of its names (-v a --volume b --volume=c) all reach the command, as urfave/cli alone refuses.
func TestMixedFormsEveryRepeatableFlag(t *testing.T) {
	tested := 0
	for _, verb := range []string{"run", "create"} {
		app := newApp()
		cmd := findCommand(app.Commands, verb)
		for _, f := range cmd.Flags {
			if _, ok := f.(*cli.StringSliceFlag); !ok {
				continue
			}
			tested++
			names := f.Names()
			var args, want []string
			for i, n := range names {
				dash := "--"
				if len(n) == 1 {
					dash = "-"
				}
				v1, v2 := fmt.Sprintf("v%d", 2*i), fmt.Sprintf("v%d", 2*i+1)
				args = append(args, dash+n, v1)
				if dash == "--" {
					args = append(args, dash+n+"="+v2)
				} else {
					args = append(args, dash+n+v2)
				}
				want = append(want, v1, v2)
			}
			var got []string
			cmd.Action = func(c *cli.Context) error {
				got = c.StringSlice(names[0])
				return nil
			}
			line := append(append([]string{"skiff", verb}, args...), "img")
			if err := app.Run(normalize(app, line)); err != nil {
				t.Errorf("%v: %v", line, err)
				continue
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%v: --%s = %v, want %v", line, names[0], got, want)
			}
		}
	}
	if tested < 40 {
		t.Errorf("only %d repeatable flags of run and create were tried", tested)
	}
}
