package slirpnet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultKindFrom(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	system := write("system.conf", "[network]\ndefault_rootless_network_cmd = \"slirp4netns\"\n")
	user := write("user.conf", "[network]\ndefault_rootless_network_cmd = \"pasta\"\n")
	other := write("other.conf", "[engine]\nevents_logger = \"file\"\n")
	bad := write("bad.conf", "[network\n")
	wrong := write("wrong.conf", "[network]\ndefault_rootless_network_cmd = \"vpnkit\"\n")
	missing := filepath.Join(dir, "missing.conf")

	for _, tt := range []struct {
		files   []string
		want    string
		wantErr string
	}{
		{nil, BuiltinDefault, ""},
		{[]string{missing}, BuiltinDefault, ""},
		{[]string{system}, Slirp4netns, ""},
		{[]string{system, other}, Slirp4netns, ""},
		{[]string{system, user}, Pasta, ""},
		{[]string{user, system}, Slirp4netns, ""},
		{[]string{bad}, "", "read " + bad},
		{[]string{wrong}, "", wrong + `: default_rootless_network_cmd "vpnkit": want "slirp4netns" or "pasta"`},
	} {
		got, err := defaultKindFrom(tt.files)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: error %v, want %q", tt.files, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v = %q, %v; want %q", tt.files, got, err, tt.want)
		}
	}
}

func TestConfFiles(t *testing.T) {
	t.Setenv("CONTAINERS_CONF", "/x/only.conf")
	t.Setenv("CONTAINERS_CONF_OVERRIDE", "/x/override.conf")
	if got := strings.Join(ConfFiles(), " "); got != "/x/only.conf /x/override.conf" {
		t.Errorf("with CONTAINERS_CONF: %s", got)
	}
	t.Setenv("CONTAINERS_CONF", "")
	t.Setenv("CONTAINERS_CONF_OVERRIDE", "")
	t.Setenv("XDG_CONFIG_HOME", "/home/u/.config")
	files := ConfFiles()
	if files[0] != "/usr/share/containers/containers.conf" || files[len(files)-1] != "/home/u/.config/containers/containers.conf" {
		t.Errorf("order: %q", files)
	}
}
