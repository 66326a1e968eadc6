package container

import "testing"

func TestParseNamespaceMode(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		bad      bool
	}{
		{"", "", false}, {"private", "", false}, {"host", "host", false},
		{"container:x", "", true}, {"ns:/proc/1/ns/ipc", "", true}, {"Host", "", true},
	} {
		got, err := ParseNamespaceMode("ipc", tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseNamespaceMode(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
