package image

import (
	"errors"
	"reflect"
	"testing"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestParseChanges(t *testing.T) {
	tests := []struct {
		in   []string
		want ociv1.ImageConfig
	}{
		{[]string{`CMD ["/bin/echo","hi"]`}, ociv1.ImageConfig{Cmd: []string{"/bin/echo", "hi"}}},
		{[]string{"CMD=/bin/echo hi"}, ociv1.ImageConfig{Cmd: []string{"/bin/sh", "-c", "/bin/echo hi"}}},
		{[]string{"entrypoint [\"/init\"]"}, ociv1.ImageConfig{Entrypoint: []string{"/init"}}},
		{[]string{"ENV=FOO=bar", "ENV A 1 2", `ENV B="x y" C=z`}, ociv1.ImageConfig{Env: []string{"FOO=bar", "A=1 2", "B=x y", "C=z"}}},
		{[]string{"LABEL a=b", "LABEL=c=d"}, ociv1.ImageConfig{Labels: map[string]string{"a": "b", "c": "d"}}},
		{[]string{"EXPOSE 80 53/udp"}, ociv1.ImageConfig{ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}}}},
		{[]string{"WORKDIR /srv", "WORKDIR app"}, ociv1.ImageConfig{WorkingDir: "/srv/app"}},
		{[]string{"USER 1000:1000", "STOPSIGNAL SIGINT"}, ociv1.ImageConfig{User: "1000:1000", StopSignal: "SIGINT"}},
		{[]string{`VOLUME ["/data"]`, "VOLUME /a /b"}, ociv1.ImageConfig{Volumes: map[string]struct{}{"/data": {}, "/a": {}, "/b": {}}}},
	}
	for _, tt := range tests {
		changes, err := ParseChanges(tt.in)
		if err != nil {
			t.Fatalf("ParseChanges(%q): %v", tt.in, err)
		}
		var got ociv1.ImageConfig
		if err := ApplyChanges(&got, changes); err != nil {
			t.Fatalf("ApplyChanges(%q): %v", tt.in, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseChangesRefuses(t *testing.T) {
	for _, in := range []string{"CMD", "BOGUS x", "EXPOSE http", "EXPOSE 80/icmp", "VOLUME data", "ENV =x", "ONBUILD RUN true", ""} {
		if _, err := ParseChanges([]string{in}); !errors.Is(err, ErrBadChange) {
			t.Errorf("ParseChanges(%q) = %v, want ErrBadChange", in, err)
		}
	}
}

func TestManifestTypeAndCompression(t *testing.T) {
	for _, f := range []string{"", "oci", "v2s2", "v2s1", "docker"} {
		if _, err := ManifestType(f); err != nil {
			t.Errorf("ManifestType(%q): %v", f, err)
		}
	}
	if _, err := ManifestType("tar"); !errors.Is(err, ErrBadOption) {
		t.Errorf("ManifestType(tar) = %v", err)
	}
	if err := CheckPushOptions(PushOptions{Compression: "zstd"}); err != nil {
		t.Error(err)
	}
	if err := CheckPushOptions(PushOptions{Compression: "lz4"}); !errors.Is(err, ErrBadOption) {
		t.Errorf("lz4: %v", err)
	}
}

func TestCheckSaveOptions(t *testing.T) {
	tests := []struct {
		names  []string
		output string
		o      SaveOptions
		ok     bool
	}{
		{[]string{"a"}, "", SaveOptions{}, true},
		{[]string{"a", "b"}, "f", SaveOptions{MultiImage: true}, true},
		{nil, "f", SaveOptions{}, false},
		{[]string{"a", "b"}, "f", SaveOptions{Format: FormatOCIArchive}, false},
		{[]string{"a"}, "", SaveOptions{Format: FormatOCIDir}, false},
		{[]string{"a"}, "d", SaveOptions{Format: FormatDockerDir}, true},
		{[]string{"a"}, "f", SaveOptions{Format: "tar"}, false},
	}
	for _, tt := range tests {
		if err := CheckSaveOptions(tt.names, tt.output, tt.o); (err == nil) != tt.ok {
			t.Errorf("CheckSaveOptions(%v, %q, %+v) = %v, want ok=%v", tt.names, tt.output, tt.o, err, tt.ok)
		}
	}
}
