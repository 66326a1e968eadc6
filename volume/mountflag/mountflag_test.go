package mountflag

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// chdir runs the test in a directory that has a subdirectory "data", so relative host paths resolve.
func chdir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

func TestParseVolume(t *testing.T) {
	dir := chdir(t)
	tests := []struct {
		flag string
		want Spec
	}{
		{"/x", Spec{Type: TypeVolume, Destination: "/x", Anonymous: true, Options: []string{"rbind", "rprivate", "rw"}}},
		{"vol:/x", Spec{Type: TypeVolume, Source: "vol", Destination: "/x", Options: []string{"rbind", "rprivate", "rw"}}},
		{"vol:/x/../y/", Spec{Type: TypeVolume, Source: "vol", Destination: "/y", Options: []string{"rbind", "rprivate", "rw"}}},
		{"vol:/x:ro", Spec{Type: TypeVolume, Source: "vol", Destination: "/x", Options: []string{"ro", "rbind", "rprivate"}}},
		{"vol:/x:U,z,nocopy", Spec{Type: TypeVolume, Source: "vol", Destination: "/x", Chown: true, NoCopy: true, Options: []string{"rbind", "rprivate", "rw"}}},
		{"vol:/x:Z,copy,rw", Spec{Type: TypeVolume, Source: "vol", Destination: "/x", Options: []string{"rw", "rbind", "rprivate"}}},
		{"my_vol-1.a:/x", Spec{Type: TypeVolume, Source: "my_vol-1.a", Destination: "/x", Options: []string{"rbind", "rprivate", "rw"}}},
		{dir + "/data:/data", Spec{Type: TypeBind, Source: dir + "/data", Destination: "/data", Options: []string{"rbind", "rprivate", "rw"}}},
		{"./data:/data:ro,bind,shared,noexec,nosuid,nodev", Spec{Type: TypeBind, Source: dir + "/data", Destination: "/data",
			Options: []string{"ro", "bind", "shared", "noexec", "nosuid", "nodev"}}},
		{"./data:/data:bind", Spec{Type: TypeBind, Source: dir + "/data", Destination: "/data", Options: []string{"bind", "private", "rw"}}},
		{".:/w:rslave,exec,suid,dev", Spec{Type: TypeBind, Source: dir, Destination: "/w", Options: []string{"rslave", "exec", "suid", "dev", "rbind", "rw"}}},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			specs, _, err := Parse(Flags{Volumes: []string{tt.flag}})
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Origin = `-v "` + tt.flag + `"`
			if len(specs) != 1 || !reflect.DeepEqual(specs[0], tt.want) {
				t.Fatalf("Parse(-v %s) =\n%+v\nwant\n%+v", tt.flag, specs, tt.want)
			}
		})
	}
}

func TestParseTmpfs(t *testing.T) {
	tests := []struct {
		flag string
		opts []string
	}{
		{"/scratch", []string{"nodev", "noexec", "nosuid", "rprivate", "rw", "tmpcopyup"}},
		{"/scratch:size=10m,mode=1777", []string{"size=10m", "mode=1777", "nodev", "noexec", "nosuid", "rprivate", "rw", "tmpcopyup"}},
		{"/scratch:ro,exec,notmpcopyup", []string{"ro", "exec", "nodev", "nosuid", "rprivate"}},
		{"/scratch:size=50%,noatime,U", []string{"size=50%", "noatime", "nodev", "noexec", "nosuid", "rprivate", "rw", "tmpcopyup"}},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			specs, _, err := Parse(Flags{Tmpfs: []string{tt.flag}})
			if err != nil {
				t.Fatal(err)
			}
			s := specs[0]
			if s.Type != TypeTmpfs || s.Destination != "/scratch" || s.Source != "" || !reflect.DeepEqual(s.Options, tt.opts) {
				t.Fatalf("Parse(--tmpfs %s) = %+v, want options %v", tt.flag, s, tt.opts)
			}
		})
	}
}

func TestParseMount(t *testing.T) {
	dir := chdir(t)
	tests := []struct {
		flag string
		want Spec
	}{
		{"type=bind,source=" + dir + "/data,target=/data", Spec{Type: TypeBind, Source: dir + "/data", Destination: "/data", Options: []string{"rbind", "rprivate", "rw"}}},
		{"type=bind,src=./data,dst=/data,readonly,bind-propagation=rslave", Spec{Type: TypeBind, Source: dir + "/data", Destination: "/data", Options: []string{"ro", "rslave", "rbind"}}},
		{"type=bind,src=data,destination=/data,ro=false,bind-nonrecursive", Spec{Type: TypeBind, Source: dir + "/data", Destination: "/data", Options: []string{"rw", "bind", "private"}}},
		{"type=bind,target=" + dir + "/data", Spec{Type: TypeBind, Source: dir + "/data", Destination: dir + "/data", Options: []string{"rbind", "rprivate", "rw"}}},
		{"type=volume,source=vol,target=/v", Spec{Type: TypeVolume, Source: "vol", Destination: "/v", Options: []string{"rbind", "rprivate", "rw"}}},
		{"source=vol,target=/v,volume-nocopy,U=true", Spec{Type: TypeVolume, Source: "vol", Destination: "/v", NoCopy: true, Chown: true, Options: []string{"rbind", "rprivate", "rw"}}},
		{"type=volume,target=/v,rw=false", Spec{Type: TypeVolume, Destination: "/v", Anonymous: true, Options: []string{"ro", "rbind", "rprivate"}}},
		{`type=volume,src=tv,dst=/v,volume-driver=local,"volume-opt=o=size=10m,uid=1000",volume-opt=type=tmpfs,volume-label=a=b`,
			Spec{Type: TypeVolume, Source: "tv", Destination: "/v", Options: []string{"rbind", "rprivate", "rw"},
				VolumeOptions: map[string]string{"o": "size=10m,uid=1000", "type": "tmpfs"}, VolumeLabels: map[string]string{"a": "b"}}},
		{"type=tmpfs,target=/t,tmpfs-size=10m,tmpfs-mode=700", Spec{Type: TypeTmpfs, Destination: "/t",
			Options: []string{"size=10m", "mode=700", "nodev", "noexec", "nosuid", "rprivate", "rw", "tmpcopyup"}}},
		{"type=tmpfs,dst=/t,consistency=cached,relabel=shared,exec", Spec{Type: TypeTmpfs, Destination: "/t",
			Options: []string{"exec", "nodev", "nosuid", "rprivate", "rw", "tmpcopyup"}}},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			specs, _, err := Parse(Flags{Mounts: []string{tt.flag}})
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Origin = `--mount "` + strings.ReplaceAll(tt.flag, `"`, `\"`) + `"`
			if len(specs) != 1 || !reflect.DeepEqual(specs[0], tt.want) {
				t.Fatalf("Parse(--mount %s) =\n%+v\nwant\n%+v", tt.flag, specs, tt.want)
			}
		})
	}
}

// Every bad spec fails with one line that names the flag and says what to do instead.
func TestParseErrors(t *testing.T) {
	chdir(t)
	tests := []struct {
		flags Flags
		want  string
	}{
		{Flags{Volumes: []string{":/x"}}, `-v ":/x": nothing before the colon: give a volume name or a host path (-v NAME:/x), or -v /x for an anonymous volume`},
		{Flags{Volumes: []string{"vol:"}}, `-v "vol:": no container path: give an absolute path to mount on`},
		{Flags{Volumes: []string{"vol:rel"}}, `-v "vol:rel": container path "rel" is not absolute: use /rel`},
		{Flags{Volumes: []string{"vol:/"}}, `-v "vol:/": cannot mount over the container's root /: choose a directory`},
		{Flags{Volumes: []string{"a:/b:ro:x"}}, `-v "a:/b:ro:x": too many colons: use -v SOURCE:DEST[:OPTIONS]`},
		{Flags{Volumes: []string{"/x:ro"}}, `-v "/x:ro": an anonymous volume takes no options: use --mount type=volume,dst=/x,ro or -v NAME:/x:ro`},
		{Flags{Volumes: []string{"bad/name:/x"}}, `-v "bad/name:/x": volume name "bad/name": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (host paths start with / or .)`},
		{Flags{Volumes: []string{"_v:/x"}}, `volume name "_v": names must match`},
		{Flags{Volumes: []string{"./nope:/x"}}, `-v "./nope:/x": host path `},
		{Flags{Volumes: []string{"/nonexistent/dir:/x"}}, `-v "/nonexistent/dir:/x": host path /nonexistent/dir does not exist: create it first, or give a volume name (no leading / or .)`},
		{Flags{Volumes: []string{"v:/x:ro,rw"}}, `-v "v:/x:ro,rw": options "ro" and "rw" conflict: give one`},
		{Flags{Volumes: []string{"v:/x:ro,ro"}}, `-v "v:/x:ro,ro": option "ro" given twice`},
		{Flags{Volumes: []string{"v:/x:shared,private"}}, `options "shared" and "private" conflict`},
		{Flags{Volumes: []string{"v:/x:size=10m"}}, `-v "v:/x:size=10m": option "size=10m" applies only to a tmpfs (--tmpfs or --mount type=tmpfs)`},
		{Flags{Volumes: []string{"v:/x:O"}}, `overlay volumes (O) are not supported`},
		{Flags{Volumes: []string{"v:/x:idmap"}}, `idmap mounts are not supported`},
		{Flags{Volumes: []string{"v:/x:bogus"}}, `-v "v:/x:bogus": unknown option "bogus": use ro, rw, z, Z, U, nocopy, bind, rbind, a propagation mode, [no]exec, [no]suid or [no]dev`},
		{Flags{Volumes: []string{"v:/x:U,U"}}, `option "U" given twice`},
		{Flags{Mounts: []string{"type=nope,target=/x"}}, `--mount "type=nope,target=/x": unknown type "nope": use type=bind, type=volume or type=tmpfs`},
		{Flags{Mounts: []string{"type=volume,source=v"}}, `--mount "type=volume,source=v": no target: add target=/PATH (or dst=, destination=)`},
		{Flags{Mounts: []string{"type=volume,target=/x,target=/y"}}, `the destination is given twice`},
		{Flags{Mounts: []string{"type=tmpfs,source=x,target=/x"}}, `"source" applies only to type=bind or type=volume`},
		{Flags{Mounts: []string{"type=tmpfs,target=/x,tmpfs-size=lots"}}, `"tmpfs-size=lots": want tmpfs-size=BYTES`},
		{Flags{Mounts: []string{"type=tmpfs,target=/x,tmpfs-mode=999"}}, `"tmpfs-mode=999": want an octal mode`},
		{Flags{Mounts: []string{"type=bind,target=/x,source=/nonexistent"}}, `host path /nonexistent does not exist`},
		{Flags{Mounts: []string{"type=bind,target=/x,source=./data,volume-nocopy"}}, `"volume-nocopy" applies only to type=volume`},
		{Flags{Mounts: []string{"type=volume,target=/x,bind-propagation=shared"}}, `"bind-propagation" applies only to type=bind`},
		{Flags{Mounts: []string{"type=volume,target=/x,volume-driver=nfs"}}, `volume driver "nfs": skiff has only the local driver`},
		{Flags{Mounts: []string{"type=volume,target=/x,volume-opt=novalue"}}, `"volume-opt=novalue": want volume-opt=KEY=VALUE`},
		{Flags{Mounts: []string{"type=volume,target=/x,readonly=maybe"}}, `"readonly=maybe": want readonly, readonly=true or readonly=false`},
		{Flags{Mounts: []string{"type=volume,target=/x,ro,rw"}}, `give readonly, ro or rw once`},
		{Flags{Mounts: []string{"type=volume,target=/x,colour=red"}}, `unknown key "colour"`},
		{Flags{Mounts: []string{`type=volume,target=/x,"volume-opt=o=a`}}, `extraneous or missing " in quoted-field: quote a field that holds commas as a whole`},
		{Flags{Mounts: []string{"type=volume,source=a/b,target=/x"}}, `volume name "a/b": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (for a host path use type=bind)`},
		{Flags{Tmpfs: []string{"relative"}}, `--tmpfs "relative": container path "relative" is not absolute: use --tmpfs /relative`},
		{Flags{Tmpfs: []string{""}}, `--tmpfs "": no container path`},
		{Flags{Tmpfs: []string{"/t:rbind"}}, `option "rbind" does not apply to a tmpfs`},
		{Flags{Tmpfs: []string{"/t:size=ten"}}, `"size=ten": want size=BYTES`},
		{Flags{Tmpfs: []string{"/t:z"}}, ``}, // accepted: see below
		{Flags{Volumes: []string{"a:/x"}, Tmpfs: []string{"/x"}}, `duplicate mount destination /x (-v "a:/x" and --tmpfs "/x"): mount one thing per container path`},
		{Flags{Volumes: []string{"a:/x", "b:/x/"}}, `duplicate mount destination /x (-v "a:/x" and -v "b:/x/")`},
		{Flags{VolumesFrom: []string{""}}, `--volumes-from "": no container: use --volumes-from CONTAINER[:ro|rw]`},
		{Flags{VolumesFrom: []string{"c:ro,rw"}}, `--volumes-from "c:ro,rw": give ro or rw once`},
		{Flags{VolumesFrom: []string{"c:rx"}}, `--volumes-from "c:rx": unknown option "rx": use ro, rw, z or Z`},
	}
	for _, tt := range tests {
		name := strings.Join(append(append(append(tt.flags.Volumes, tt.flags.Mounts...), tt.flags.Tmpfs...), tt.flags.VolumesFrom...), " ")
		t.Run(name, func(t *testing.T) {
			_, _, err := Parse(tt.flags)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error\n  %v\nwant one line containing\n  %s", err, tt.want)
			}
		})
	}
}

func TestParseKeepsOrderAndDedupes(t *testing.T) {
	chdir(t)
	specs, from, err := Parse(Flags{
		Volumes:     []string{"a:/a", "./data:/b", "a:/a"},
		Mounts:      []string{"type=tmpfs,dst=/c"},
		Tmpfs:       []string{"/d", "/d"},
		VolumesFrom: []string{"other:ro", "third"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var dests []string
	for _, s := range specs {
		dests = append(dests, s.Destination)
	}
	if strings.Join(dests, " ") != "/a /b /c /d" {
		t.Fatalf("destinations %v", dests)
	}
	want := []From{{Container: "other", Mode: "ro", Origin: `--volumes-from other:ro`}, {Container: "third", Origin: `--volumes-from third`}}
	if !reflect.DeepEqual(from, want) {
		t.Fatalf("from = %+v", from)
	}
}

func TestInherit(t *testing.T) {
	theirs := []Spec{
		{Type: TypeVolume, Source: "data", Destination: "/data", Options: []string{"rw", "rbind"}, Chown: true},
		{Type: TypeVolume, Source: "0123abcd", Destination: "/anon", Anonymous: true, Options: []string{"rw"}},
		{Type: TypeBind, Source: "/home/u/src", Destination: "/src", Options: []string{"ro", "rbind"}},
		{Type: TypeTmpfs, Destination: "/tmp", Options: []string{"rw"}},
		{Type: TypeVolume, Destination: "/mine", Options: []string{"rw"}},
	}
	own := []Spec{{Type: TypeVolume, Source: "mine", Destination: "/mine", Options: []string{"rw"}}}
	got := Inherit(own, From{Container: "c", Origin: "--volumes-from c"}, theirs)
	var lines []string
	for _, s := range got {
		lines = append(lines, s.Type+" "+s.Source+" "+s.Destination+" "+strings.Join(s.Options, ",")+" "+s.Origin)
		if s.Source != "mine" && (s.Chown || s.Anonymous) {
			t.Errorf("inherited %s keeps Chown/Anonymous", s.Destination)
		}
	}
	want := []string{
		"volume mine /mine rw ",
		"volume data /data rw,rbind --volumes-from c",
		"volume 0123abcd /anon rw --volumes-from c",
		"bind /home/u/src /src ro,rbind --volumes-from c",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("Inherit =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	got = Inherit(nil, From{Container: "c", Mode: "rw"}, theirs[2:3])
	if !reflect.DeepEqual(got[0].Options, []string{"rw", "rbind"}) {
		t.Fatalf(":rw gave options %v", got[0].Options)
	}
	if theirs[2].Options[0] != "ro" {
		t.Fatal("Inherit changed the other container's specs")
	}
}

func TestAddImageVolumes(t *testing.T) {
	own := []Spec{{Type: TypeBind, Source: "/h", Destination: "/data"}}
	got := AddImageVolumes(own, []string{"/var/lib/db", "/data", "cache/"})
	if len(got) != 3 || got[1].Destination != "/cache" || got[2].Destination != "/var/lib/db" {
		t.Fatalf("AddImageVolumes = %+v", got)
	}
	for _, s := range got[1:] {
		if s.Type != TypeVolume || !s.Anonymous || s.Source != "" || s.Origin != "image VOLUME "+s.Destination {
			t.Fatalf("image volume %+v", s)
		}
	}
}

func TestValidateVolumeName(t *testing.T) {
	for _, ok := range []string{"a", "A1", "data_1.x-y", "0"} {
		if err := ValidateVolumeName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", ".a", "_a", "a/b", "a b", "a:b", "..", "é"} {
		if err := ValidateVolumeName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNewSpec(t *testing.T) {
	tests := []struct {
		typ, src, dest string
		opts           []string
		bad            bool
		wantOpts       []string
	}{
		{typ: TypeBind, src: "/tmp", dest: "/mnt", opts: []string{"ro"}, wantOpts: []string{"ro", "rbind", "rprivate"}},
		{typ: TypeVolume, src: "data", dest: "/data"},
		{typ: TypeVolume, dest: "/anon"},
		{typ: TypeTmpfs, dest: "/run", opts: []string{"size=1m"}},
		{typ: TypeBind, src: "/does/not/exist", dest: "/mnt", bad: true},
		{typ: TypeBind, src: "/tmp", dest: "relative", bad: true},
		{typ: TypeVolume, src: "bad name!", dest: "/x", bad: true},
		{typ: TypeTmpfs, src: "/tmp", dest: "/x", bad: true},
		{typ: "npipe", dest: "/x", bad: true},
		{typ: TypeBind, src: "/tmp", dest: "/x", opts: []string{"size=1m"}, bad: true},
	}
	for _, tt := range tests {
		s, err := NewSpec(tt.typ, tt.src, tt.dest, tt.opts, "test")
		if (err != nil) != tt.bad {
			t.Errorf("NewSpec(%s, %q, %q, %v) = %v, want error %v", tt.typ, tt.src, tt.dest, tt.opts, err, tt.bad)
			continue
		}
		if err == nil && tt.wantOpts != nil && !reflect.DeepEqual(s.Options, tt.wantOpts) {
			t.Errorf("NewSpec(%s, %q, %q, %v): options %v, want %v", tt.typ, tt.src, tt.dest, tt.opts, s.Options, tt.wantOpts)
		}
	}
}
