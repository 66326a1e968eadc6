package systemd

import (
	"errors"
	"reflect"
	"testing"
)

func TestQuoteRoundTrip(t *testing.T) {
	for _, arg := range []string{
		"plain", "", "a b", `say "hi"`, "it's", `back\slash`, `trailing\`, ";", "tab\there", "new\nline",
		"%n", "$HOME", "ünïcödé", "\x01ctl", "-e", "A=b c", `'single'`,
	} {
		q := Quote(arg)
		got, err := SplitCommand("cmd " + q + " end")
		if err != nil {
			t.Fatalf("Quote(%q) = %s: split: %v", arg, q, err)
		}
		if want := []string{"cmd", arg, "end"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Quote(%q) = %s, split back to %q", arg, q, got)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want, literal string }{
		{"plain", "plain", "plain"},
		{"A=b c", `"A=b c"`, `"A=b c"`},
		{"/var/www%x", "/var/www%x", "/var/www%%x"},
		{"$HOME/x", "$HOME/x", "$$HOME/x"},
		{`a"b`, `"a\"b"`, `"a\"b"`},
		{`a\b`, `"a\\b"`, `"a\\b"`},
		{"", `""`, `""`},
		{";", `";"`, `";"`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if got := QuoteLiteral(tc.in); got != tc.literal {
			t.Errorf("QuoteLiteral(%q) = %s, want %s", tc.in, got, tc.literal)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  error
	}{
		{`httpd -f -p 80`, []string{"httpd", "-f", "-p", "80"}, nil},
		{`  sh   -c  "echo a; echo b"  `, []string{"sh", "-c", "echo a; echo b"}, nil},
		{`sh -c 'echo "$x"'`, []string{"sh", "-c", `echo "$x"`}, nil},
		{`a"b c"d`, []string{"ab cd"}, nil},
		{`\x41\u00e9\101\n\s`, []string{"Aé" + "A\n "}, nil},
		{`%h/data`, []string{"%h/data"}, nil},
		{`unknown\q`, []string{`unknown\q`}, nil},
		{`""`, []string{""}, nil},
		{`"open`, nil, ErrUnterminatedQuote},
		{`end\`, nil, ErrTrailingBackslash},
	} {
		got, err := SplitCommand(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("SplitCommand(%q): error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseRestartPolicy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RestartPolicy
		err  string
	}{
		{"", RestartPolicy{Name: "no"}, ""},
		{"no", RestartPolicy{Name: "no"}, ""},
		{"always", RestartPolicy{Name: "always"}, ""},
		{"unless-stopped", RestartPolicy{Name: "unless-stopped"}, ""},
		{"on-failure", RestartPolicy{Name: "on-failure"}, ""},
		{"on-failure:3", RestartPolicy{Name: "on-failure", MaxRetries: 3}, ""},
		{"on-failure:x", RestartPolicy{}, `invalid restart policy "on-failure:x": the retry count must be a number from 0`},
		{"on-failure:-1", RestartPolicy{}, `invalid restart policy "on-failure:-1": the retry count must be a number from 0`},
		{"always:2", RestartPolicy{}, `invalid restart policy "always:2": a retry count is only allowed with on-failure`},
		{"sometimes", RestartPolicy{}, `invalid restart policy "sometimes": want no, on-failure[:N], always or unless-stopped`},
	} {
		got, err := ParseRestartPolicy(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseRestartPolicy(%q): error %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRestartPolicy(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if tc.in != "" && got.String() != tc.in {
			t.Errorf("ParseRestartPolicy(%q).String() = %q", tc.in, got.String())
		}
	}
}

func TestShouldRestart(t *testing.T) {
	onFailure2 := RestartPolicy{Name: RestartOnFailure, MaxRetries: 2}
	for _, tc := range []struct {
		p        RestartPolicy
		code     int
		restarts uint
		stopped  bool
		want     bool
	}{
		{RestartPolicy{Name: RestartNo}, 1, 0, false, false},
		{RestartPolicy{Name: RestartAlways}, 0, 100, false, true},
		{RestartPolicy{Name: RestartAlways}, 137, 0, true, false},
		{RestartPolicy{Name: RestartUnlessStopped}, 0, 0, false, true},
		{RestartPolicy{Name: RestartOnFailure}, 0, 0, false, false},
		{RestartPolicy{Name: RestartOnFailure}, 1, 1000, false, true},
		{onFailure2, 1, 0, false, true},
		{onFailure2, 1, 1, false, true},
		{onFailure2, 1, 2, false, false}, // restarted exactly twice
		{onFailure2, 1, 0, true, false},
	} {
		if got := tc.p.ShouldRestart(tc.code, tc.restarts, tc.stopped); got != tc.want {
			t.Errorf("%v.ShouldRestart(%d, %d, %v) = %v", tc.p, tc.code, tc.restarts, tc.stopped, got)
		}
	}
	if r, b := onFailure2.Systemd(); r != "on-failure" || b != "2" {
		t.Errorf("Systemd() = %q, %q", r, b)
	}
	if r, _ := (RestartPolicy{Name: RestartUnlessStopped}).Systemd(); r != "always" {
		t.Errorf("unless-stopped Systemd() = %q", r)
	}
}
