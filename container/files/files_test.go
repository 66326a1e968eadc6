package files

import "testing"

func TestParseCopyPath(t *testing.T) {
	tests := []struct{ in, ctr, path string }{
		{"web:/etc/hosts", "web", "/etc/hosts"},
		{"/tmp/x", "", "/tmp/x"},
		{"./a:b", "", "./a:b"},
		{"-", "", "-"},
		{"file", "", "file"},
	}
	for _, tt := range tests {
		if c, p := ParseCopyPath(tt.in); c != tt.ctr || p != tt.path {
			t.Errorf("ParseCopyPath(%q) = %q, %q; want %q, %q", tt.in, c, p, tt.ctr, tt.path)
		}
	}
}
