package container

import "testing"

func TestSystemdMode(t *testing.T) {
	tests := []struct {
		mode string
		argv []string
		want bool
		ok   bool
	}{
		{"", []string{"/sbin/init"}, true, true},
		{"true", []string{"/usr/lib/systemd/systemd"}, true, true},
		{"true", []string{"sh"}, false, true},
		{"always", []string{"sh"}, true, true},
		{"false", []string{"/sbin/init"}, false, true},
		{"sometimes", nil, false, false},
	}
	for _, tt := range tests {
		got, err := systemdMode(tt.mode, tt.argv)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("systemdMode(%q, %q) = %v, %v; want %v, ok %v", tt.mode, tt.argv, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseSignalRealTime(t *testing.T) {
	for in, want := range map[string]int{"SIGRTMIN+3": 37, "RTMIN": 34, "rtmin+30": 64} {
		if s, err := ParseSignal(in); err != nil || int(s) != want {
			t.Errorf("ParseSignal(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"SIGRTMIN+31", "SIGRTMIN3"} {
		if _, err := ParseSignal(in); err == nil {
			t.Errorf("ParseSignal(%q) succeeded", in)
		}
	}
}
