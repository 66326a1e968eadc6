package unit

import (
	"reflect"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	drop := map[string]bool{"d": true, "detach": true, "rm": true, "replace": true, "cidfile": true, "sdnotify": true, "restart": true}
	for _, tc := range []struct {
		name     string
		argv     []string
		root     []string
		args     []string
		nameAt   int
		posAt    int
		dropped  map[string]string
		envNames []string
	}{
		{"clusters",
			[]string{"skiff", "run", "-dit", "-itp", "80:80", "-p8080:80", "-e=A=b", "-d", "busybox", "-d"},
			nil, []string{"-it", "-it", "-p", "80:80", "-p8080:80", "-e=A=b", "busybox", "-d"}, -1, 6,
			map[string]string{"d": ""}, nil},
		{"long forms",
			[]string{"/usr/bin/skiff", "--root=/r", "--runtime", "crun", "container", "create", "--name=x", "--rm=true",
				"--cidfile", "/c", "--restart", "always", "--sdnotify=container", "--detach=false", "--env", "HOME", "--", "img", "--rm"},
			[]string{"--root=/r", "--runtime", "crun"}, []string{"--name=x", "--env", "HOME", "--", "img", "--rm"}, 0, 4,
			map[string]string{"rm": "true", "cidfile": "/c", "restart": "always", "sdnotify": "container", "detach": "false"}, []string{"HOME"}},
		{"unknown flags are kept",
			[]string{"skiff", "run", "--frob", "--knob=1", "-Z", "--name", "n", "img"},
			nil, []string{"--frob", "--knob=1", "-Z", "--name", "n", "img"}, 4, 5, map[string]string{}, nil},
		{"no positional",
			[]string{"skiff", "create", "--name", "n"},
			nil, []string{"--name", "n"}, 1, -1, map[string]string{}, nil},
	} {
		cl, err := parseCmdline(tc.argv, runVerbs, RunFlags, drop)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(cl.root, tc.root) || !reflect.DeepEqual(cl.args, tc.args) || cl.nameAt != tc.nameAt ||
			cl.posAt != tc.posAt || !reflect.DeepEqual(cl.dropped, tc.dropped) || !reflect.DeepEqual(cl.envNames, tc.envNames) {
			t.Errorf("%s:\n got root=%q args=%q nameAt=%d posAt=%d dropped=%q env=%q\nwant root=%q args=%q nameAt=%d posAt=%d dropped=%q env=%q",
				tc.name, cl.root, cl.args, cl.nameAt, cl.posAt, cl.dropped, cl.envNames,
				tc.root, tc.args, tc.nameAt, tc.posAt, tc.dropped, tc.envNames)
		}
	}
	if _, err := parseCmdline([]string{"skiff", "--root", "run", "ps"}, runVerbs, RunFlags, drop); err == nil {
		t.Error("a global flag's value taken for the verb")
	}
}
