package image

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/containers/image/v5/types"
)

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  []string // substrings of the error; nil means valid
	}{
		{"busybox", nil},
		{"busybox:1.36", nil},
		{"localhost:5000/x:1", nil},
		{"quay.io/a/b/c:v1.0_rc-2", nil},
		{"docker://busybox", nil},
		{"busybox@sha256:" + strings.Repeat("a", 64), nil},
		{"oci:/tmp/layout:tag", nil},
		{"docker-archive:/tmp/x.tar", nil},
		{"Bad:Ref!!", []string{`"Bad:Ref!!"`, `repository "Bad" must be lowercase`, `tag "Ref!!" may hold only`}},
		{"", []string{"the name is empty"}},
		{"foo:", []string{`tag ""`}},
		{"foo@sha256:xyz", []string{`digest "sha256:xyz"`}},
		{"foo/Bar", []string{`repository "foo/Bar" must be lowercase`}},
		{"foo/b$r", []string{`repository "foo/b$r" may hold only`}},
		{"reg_istry.io:x/foo", []string{`registry "reg_istry.io:x"`}},
		{"foo//bar", []string{`repository "foo//bar" may hold only`}},
		{strings.Repeat("a", 300), []string{"longer than 255"}},
		{"containers-storage:foo", []string{`cannot pull from the "containers-storage" transport`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateName(tc.name)
			if tc.bad == nil {
				if err != nil {
					t.Fatalf("ValidateName(%q): %v", tc.name, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateName(%q) succeeded, want an error", tc.name)
			}
			if !errors.Is(err, ErrInvalidName) {
				t.Errorf("error %v does not wrap ErrInvalidName", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
			for _, s := range tc.bad {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"myapp":                          "localhost/myapp:latest",
		"myapp:2":                        "localhost/myapp:2",
		"team/myapp":                     "localhost/team/myapp:latest",
		"localhost/myapp":                "localhost/myapp:latest",
		"localhost:5000/myapp":           "localhost:5000/myapp:latest",
		"docker.io/alpine":               "docker.io/library/alpine:latest",
		"quay.io/x/y:1":                  "quay.io/x/y:1",
		"quay.io/x/y@sha256:" + hex64a:   "quay.io/x/y@sha256:" + hex64a,
		"quay.io/x/y:1@sha256:" + hex64a: "quay.io/x/y:1",
	} {
		got, err := NormalizeName(in)
		if err != nil || got.String() != want {
			t.Errorf("NormalizeName(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := NormalizeName("Bad!"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("NormalizeName(Bad!) = %v, want ErrInvalidName", err)
	}
}

var hex64a = strings.Repeat("a", 64)

func TestParsePlatform(t *testing.T) {
	for in, want := range map[string][3]string{
		"linux/amd64":    {"linux", "amd64", ""},
		"linux/arm64/v8": {"linux", "arm64", "v8"},
	} {
		o, a, v, err := ParsePlatform(in)
		if err != nil || [3]string{o, a, v} != want {
			t.Errorf("ParsePlatform(%q) = %s %s %s %v; want %v", in, o, a, v, err, want)
		}
	}
	for _, in := range []string{"", "linux", "linux/", "/amd64", "a/b/c/d", "linux/arm/"} {
		if _, _, _, err := ParsePlatform(in); err == nil {
			t.Errorf("ParsePlatform(%q) succeeded", in)
		}
	}
}

func TestParseCredentials(t *testing.T) {
	a, ok, err := ParseCredentials("me:se:cret")
	if err != nil || !ok || a.Username != "me" || a.Password != "se:cret" {
		t.Errorf("ParseCredentials(me:se:cret) = %+v %v %v", a, ok, err)
	}
	if a, ok, err := ParseCredentials("me"); err != nil || ok || a.Username != "me" {
		t.Errorf("ParseCredentials(me) = %+v %v %v; want user only", a, ok, err)
	}
	for _, in := range []string{"", ":pw"} {
		if _, _, err := ParseCredentials(in); err == nil {
			t.Errorf("ParseCredentials(%q) succeeded", in)
		}
	}
}

func TestSystemContext(t *testing.T) {
	t.Setenv("REGISTRY_AUTH_FILE", "/env/auth.json")
	t.Setenv("TMPDIR", "")
	sys := SystemContext("/graph", SystemOptions{SkipTLSVerify: types.OptionalBoolTrue, Arch: "arm64"})
	if sys.AuthFilePath != "/env/auth.json" || sys.BlobInfoCacheDir != "/graph/cache" || sys.BigFilesTemporaryDir != "/var/tmp" ||
		sys.DockerInsecureSkipTLSVerify != types.OptionalBoolTrue || sys.ArchitectureChoice != "arm64" ||
		sys.ShortNameMode == nil || *sys.ShortNameMode != types.ShortNameModeDisabled {
		t.Errorf("SystemContext = %+v", sys)
	}
	t.Setenv("TMPDIR", "/scratch")
	if sys := SystemContext("", SystemOptions{AuthFile: "/flag.json"}); sys.AuthFilePath != "/flag.json" || sys.BlobInfoCacheDir != "" || sys.BigFilesTemporaryDir != "/scratch" {
		t.Errorf("SystemContext with --authfile = %+v", sys)
	}
}

func TestCredentialsKey(t *testing.T) {
	for in, want := range map[string][2]string{
		"quay.io":                {"quay.io", "quay.io"},
		"localhost:5000":         {"localhost:5000", "localhost:5000"},
		"https://quay.io/v2/":    {"quay.io", "quay.io"},
		"quay.io/team":           {"quay.io/team", "quay.io"},
		"127.0.0.1:5000/a/b":     {"127.0.0.1:5000/a/b", "127.0.0.1:5000"},
		"http://localhost:5000/": {"localhost:5000", "localhost:5000"},
	} {
		k, r, err := credentialsKey(in)
		if err != nil || [2]string{k, r} != want {
			t.Errorf("credentialsKey(%q) = %s %s %v; want %v", in, k, r, err, want)
		}
	}
	for _, in := range []string{"", "quay.io/team:tag", "bad host", "quay.io/Team"} {
		if _, _, err := credentialsKey(in); err == nil {
			t.Errorf("credentialsKey(%q) succeeded", in)
		}
	}
}

func TestParseUntil(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                  now.Add(-24 * time.Hour),
		"1717243200":           time.Unix(1717243200, 0),
		"2024-06-01T12:00:00Z": time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
	} {
		got, err := parseUntil(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseUntil(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseUntil("yesterday", now); err == nil {
		t.Error("parseUntil(yesterday) succeeded")
	}
}

func TestReferenceForms(t *testing.T) {
	got := strings.Join(referenceForms("quay.io/x/tiny:2"), " ")
	want := "quay.io/x/tiny:2 x/tiny:2 tiny:2 quay.io/x/tiny x/tiny tiny"
	if got != want {
		t.Errorf("referenceForms = %q, want %q", got, want)
	}
}

func TestHumanSize(t *testing.T) {
	for in, want := range map[int64]string{0: "0 B", 999: "999 B", 11373: "11.4 kB", 4493955: "4.49 MB", 1 << 30: "1.07 GB"} {
		if got := HumanSize(in); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitRepoTag(t *testing.T) {
	for in, want := range map[string][2]string{
		"docker.io/library/busybox:latest": {"docker.io/library/busybox", "latest"},
		"localhost:5000/x:1":               {"localhost:5000/x", "1"},
		"quay.io/x@sha256:" + hex64a:       {"quay.io/x", "<none>"},
		"!!":                               {"<none>", "<none>"},
	} {
		r, tg := splitRepoTag(in)
		if [2]string{r, tg} != want {
			t.Errorf("splitRepoTag(%q) = %s %s; want %v", in, r, tg, want)
		}
	}
}
