package container

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "env")
	os.WriteFile(file, []byte("# comment\n\nA=1\n  B=two words\nFROM_HOST\nUNSET\nC=x=y\n"), 0o600)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("=nope\n"), 0o600)
	lookup := func(k string) (string, bool) {
		if k == "FROM_HOST" {
			return "host", true
		}
		return "", false
	}
	tests := []struct {
		name    string
		values  []string
		files   []string
		want    []string
		wantErr string
	}{
		{"values", []string{"A=1", "B=", "C=a,b"}, nil, []string{"A=1", "B=", "C=a,b"}, ""},
		{"from the environment", []string{"FROM_HOST", "UNSET"}, nil, []string{"FROM_HOST=host"}, ""},
		{"file then values", []string{"A=override"}, []string{file}, []string{"A=1", "B=two words", "FROM_HOST=host", "C=x=y", "A=override"}, ""},
		{"empty name", []string{"=x"}, nil, nil, `-e "=x": empty variable name`},
		{"space in name", []string{"A B=1"}, nil, nil, "whitespace"},
		{"missing file", nil, []string{filepath.Join(dir, "none")}, nil, "no such file"},
		{"bad line", nil, []string{bad}, nil, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnv(tt.values, tt.files, lookup)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseEnv = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMergeEnv(t *testing.T) {
	got := MergeEnv([]string{"PATH=/bin", "A=1"}, []string{"A=2", "B=3"})
	if want := []string{"PATH=/bin", "A=2", "B=3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MergeEnv = %q, want %q", got, want)
	}
}

func TestParseFlags(t *testing.T) {
	if l, err := ParseLabels([]string{"a=b", "c", "d=e=f"}); err != nil || !reflect.DeepEqual(l, map[string]string{"a": "b", "c": "", "d": "e=f"}) {
		t.Errorf("ParseLabels = %v, %v", l, err)
	}
	if _, err := ParseLabels([]string{"=x"}); err == nil {
		t.Error("ParseLabels accepted an empty key")
	}
	for in, want := range map[string]unix.Signal{"TERM": unix.SIGTERM, "sigkill": unix.SIGKILL, "SIGHUP": unix.SIGHUP, "9": unix.SIGKILL, "15": unix.SIGTERM} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"NOPE", "0", "65", ""} {
		if _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q) succeeded", bad)
		}
	}
	for in, want := range map[string]PullPolicy{"": PullMissing, "always": PullAlways, "MISSING": PullMissing, "never": PullNever, "newer": PullNewer} {
		if got, err := ParsePullPolicy(in); err != nil || got != want {
			t.Errorf("ParsePullPolicy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParsePullPolicy("sometimes"); err == nil {
		t.Error("ParsePullPolicy accepted sometimes")
	}
	for in, want := range map[string]string{"": "k8s-file", "k8s-file": "k8s-file", "none": "none", "journald": "journald"} {
		if got, err := ParseLogDriver(in); err != nil || got != want {
			t.Errorf("ParseLogDriver(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLogDriver("syslog"); err == nil {
		t.Error("ParseLogDriver accepted syslog")
	}
	for in, want := range map[string]string{DefaultDetachKeys: "\x10\x11", "ctrl-a,x": "\x01x", "": ""} {
		if got, err := DetachKeys(in); err != nil || string(got) != want {
			t.Errorf("DetachKeys(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := DetachKeys("ctrl-ab"); err == nil {
		t.Error("DetachKeys accepted ctrl-ab")
	}
	for _, name := range []string{"a", "web-1", "A.b_c"} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v", name, err)
		}
	}
	for _, name := range []string{"-a", "a b", "a/b", "é"} {
		if err := ValidateName(name); err == nil {
			t.Errorf("ValidateName(%q) succeeded", name)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"10m":                  now.Add(-10 * time.Minute),
		"2026-11-22T10:00:00Z": time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		"1700000000":           time.Unix(1700000000, 0),
		"1700000000.5":         time.Unix(1700000000, 5e8),
	}
	for in, want := range tests {
		if got, err := ParseTime(in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseTime("yesterday", now); err == nil {
		t.Error("ParseTime accepted yesterday")
	}
}
