package main

import (
	"strings"
	"testing"
)

func TestIntersperse(t *testing.T) {
	app := newApp()
	tests := []struct{ in, want string }{
		{"skiff rm web -f", "skiff rm -f web"},
		{"skiff rm -f web", "skiff rm -f web"},
		{"skiff --root /r stop web -t 2 db", "skiff --root /r stop -t 2 web db"},
		{"skiff stop web --time=3", "skiff stop --time=3 web"},
		{"skiff container rm web -fv", "skiff container rm -fv web"},
		{"skiff image rm a b --force", "skiff image rm --force a b"},
		{"skiff logs web --tail 5 -f", "skiff logs --tail 5 -f web"},
		{"skiff run --rm img ls -l", "skiff run --rm img ls -l"},
		{"skiff exec web sh -c x", "skiff exec web sh -c x"},
		{"skiff container run img -d", "skiff container run img -d"},
		{"skiff unshare ls -l", "skiff unshare ls -l"},
		{"skiff rm -- -weird", "skiff rm -- -weird"},
		{"skiff nosuch a -f", "skiff nosuch a -f"},
		{"skiff", "skiff"},
	}
	for _, tt := range tests {
		got := strings.Join(intersperse(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("intersperse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTakesValue(t *testing.T) {
	defs := stopCommand().Flags
	for flag, want := range map[string]bool{"-t": true, "--time": true, "--time=4": false, "--all": false, "-a": false, "--nosuch": false} {
		if got := takesValue(defs, flag); got != want {
			t.Errorf("takesValue(%q) = %v, want %v", flag, got, want)
		}
	}
}
