package userns

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The user's namespace of skiff-test (uid 1002, subordinate range 100000:65536) and of a user with no
// range, as /proc/self/uid_map shows them inside.
var (
	subNS    = []IDMap{{ContainerID: 0, HostID: 1002, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	singleNS = []IDMap{{ContainerID: 0, HostID: 1003, Size: 1}}
)

func u32(n uint32) *uint32 { return &n }

func TestParseMode(t *testing.T) {
	tests := []struct {
		userns         string
		uidmap, gidmap []string
		want           Mode
		err            string
	}{
		{userns: "", want: Mode{}},
		{userns: "host", want: Mode{}},
		{userns: "keep-id", want: Mode{Kind: ModeKeepID}},
		{userns: "keep-id:uid=200,gid=210", want: Mode{Kind: ModeKeepID, UID: u32(200), GID: u32(210)}},
		{userns: "keep-id:gid=5", want: Mode{Kind: ModeKeepID, GID: u32(5)}},
		{userns: "nomap", want: Mode{Kind: ModeNoMap}},
		{uidmap: []string{"0:1:1000", "1000:0:1"}, want: Mode{Kind: ModeMap,
			UIDMap: []IDMap{{0, 1, 1000}, {1000, 0, 1}}, GIDMap: []IDMap{{0, 1, 1000}, {1000, 0, 1}}}},
		{uidmap: []string{"0:1:10"}, gidmap: []string{"0:20:5"}, want: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 1, 10}}, GIDMap: []IDMap{{0, 20, 5}}}},
		{gidmap: []string{"0:20:5"}, want: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 20, 5}}, GIDMap: []IDMap{{0, 20, 5}}}},
		{userns: "keep-id:uid=x", err: `--userns keep-id:uid=x: option "uid=x": keep-id takes uid=N and gid=N`},
		{userns: "keep-id:size=10", err: `option "size=10": keep-id takes uid=N and gid=N`},
		{userns: "nomap:x", err: `--userns nomap:x: nomap takes no options`},
		{userns: "host:x", err: `--userns host:x: host takes no options`},
		{userns: "auto", err: `--userns auto: not supported by skiff: use keep-id[:uid=N,gid=N], nomap, host, or --uidmap/--gidmap`},
		{userns: "bogus", err: `--userns "bogus": want host, keep-id[:uid=N,gid=N] or nomap (or use --uidmap/--gidmap)`},
		{userns: "keep-id", uidmap: []string{"0:1:1"}, err: `--userns keep-id and --uidmap/--gidmap cannot be combined`},
		{uidmap: []string{"0:1"}, err: `--uidmap "0:1": want CONTAINER:INTERMEDIATE:SIZE, e.g. --uidmap 0:1:65536`},
		{uidmap: []string{"0:1:0"}, err: `--uidmap "0:1:0": want CONTAINER:INTERMEDIATE:SIZE`},
		{uidmap: []string{"a:1:1"}, err: `--uidmap "a:1:1"`},
		{gidmap: []string{"4294967295:0:2"}, err: `--gidmap "4294967295:0:2"`},
	}
	for _, tt := range tests {
		t.Run(tt.userns+strings.Join(tt.uidmap, ",")+"/"+strings.Join(tt.gidmap, ","), func(t *testing.T) {
			got, err := ParseMode(tt.userns, tt.uidmap, tt.gidmap)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseMode = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMappings(t *testing.T) {
	tests := []struct {
		name       string
		mode       Mode
		ns         []IDMap
		uids, gids []IDMap
		user       bool
		uid, gid   uint32
		err        string
	}{
		{name: "default", mode: Mode{}, ns: subNS},
		{name: "keep-id", mode: Mode{Kind: ModeKeepID}, ns: subNS,
			uids: []IDMap{{0, 1, 1002}, {1002, 0, 1}, {1003, 1003, 64534}},
			gids: []IDMap{{0, 1, 1004}, {1004, 0, 1}, {1005, 1005, 64532}}, user: true, uid: 1002, gid: 1004},
		{name: "keep-id uid=0", mode: Mode{Kind: ModeKeepID, UID: u32(0), GID: u32(0)}, ns: subNS,
			uids: []IDMap{{0, 0, 1}, {1, 1, 65536}}, gids: []IDMap{{0, 0, 1}, {1, 1, 65536}}, user: true},
		{name: "keep-id above the range", mode: Mode{Kind: ModeKeepID, UID: u32(70000), GID: u32(65536)}, ns: subNS,
			uids: []IDMap{{0, 1, 65536}, {70000, 0, 1}}, gids: []IDMap{{0, 1, 65536}, {65536, 0, 1}}, user: true, uid: 70000, gid: 65536},
		{name: "keep-id single mapping", mode: Mode{Kind: ModeKeepID}, ns: singleNS,
			err: "--userns keep-id: the user's namespace maps only your own ID (no subordinate range in /etc/subuid), so the container would have no root"},
		{name: "keep-id:uid=0 single mapping", mode: Mode{Kind: ModeKeepID, UID: u32(0), GID: u32(0)}, ns: singleNS,
			uids: []IDMap{{0, 0, 1}}, gids: []IDMap{{0, 0, 1}}, user: true},
		{name: "uidmap without root", mode: Mode{Kind: ModeMap, UIDMap: []IDMap{{1, 1, 10}}, GIDMap: []IDMap{{0, 1, 1}}}, ns: subNS,
			err: "--uidmap: container ID 0 is not mapped: the runtime needs a root in the container (add --uidmap 0:INTERMEDIATE:1)"},
		{name: "nomap", mode: Mode{Kind: ModeNoMap}, ns: subNS, uids: []IDMap{{0, 1, 65536}}, gids: []IDMap{{0, 1, 65536}}},
		{name: "nomap single mapping", mode: Mode{Kind: ModeNoMap}, ns: singleNS, err: "--userns nomap: the user's namespace maps only the user's own ID"},
		{name: "uidmap", mode: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 1, 1000}, {1000, 0, 1}}, GIDMap: []IDMap{{0, 65536, 1}}}, ns: subNS,
			uids: []IDMap{{0, 1, 1000}, {1000, 0, 1}}, gids: []IDMap{{0, 65536, 1}}},
		{name: "uidmap outside", mode: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 65530, 10}}, GIDMap: []IDMap{{0, 1, 1}}}, ns: subNS,
			err: "--uidmap 0:65530:10: IDs 65530-65539 are not in the user's namespace, which has IDs 0-65536"},
		{name: "uidmap single mapping", mode: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 1, 1}}, GIDMap: []IDMap{{0, 0, 1}}}, ns: singleNS,
			err: "--uidmap 0:1:1: IDs 1-1 are not in the user's namespace, which has IDs 0-0"},
		{name: "container overlap", mode: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 1, 10}, {5, 100, 10}}, GIDMap: []IDMap{{0, 1, 1}}}, ns: subNS,
			err: "--uidmap 5:100:10: container IDs overlap 0:1:10"},
		{name: "intermediate overlap", mode: Mode{Kind: ModeMap, UIDMap: []IDMap{{0, 1, 1}}, GIDMap: []IDMap{{0, 1, 10}, {100, 5, 1}}}, ns: subNS,
			err: "--gidmap 100:5:1: intermediate IDs overlap 0:1:10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.mode.Mappings(tt.ns, tt.ns, 1002, 1004)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Mapping{UIDs: tt.uids, GIDs: tt.gids, HasUser: tt.user, UID: tt.uid, GID: tt.gid}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Mappings =\n%+v\nwant\n%+v", got, want)
			}
			if got.Own() != (len(tt.uids) > 0) {
				t.Fatalf("Own() = %v", got.Own())
			}
			// Every mapping is one a kernel accepts: no two ranges overlap on either side.
			for _, maps := range [][]IDMap{got.UIDs, got.GIDs} {
				if err := checkRanges("check", maps, tt.ns); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestMappingConversions(t *testing.T) {
	m, err := Mode{Kind: ModeKeepID}.Mappings(subNS, subNS, 1002, 1002)
	if err != nil {
		t.Fatal(err)
	}
	so := m.StorageOptions()
	if len(so.UIDMap) != 3 || so.UIDMap[1].ContainerID != 1002 || so.UIDMap[1].HostID != 0 || so.UIDMap[2].Size != 64534 || len(so.GIDMap) != 3 {
		t.Fatalf("StorageOptions = %+v", so)
	}
	if s := m.SpecUIDs(); len(s) != 3 || s[0].ContainerID != 0 || s[0].HostID != 1 || s[0].Size != 1002 {
		t.Fatalf("SpecUIDs = %+v", s)
	}
	if so := (Mapping{}).StorageOptions(); so.UIDMap != nil || so.HostUIDMapping {
		t.Fatalf("default StorageOptions = %+v", so)
	}
}

func TestTop(t *testing.T) {
	for _, tt := range []struct {
		ns   []IDMap
		want uint32
	}{
		{subNS, 65537},
		{singleNS, 1},
		{[]IDMap{{0, 0, 4294967295}}, 4294967295},
		{[]IDMap{{1, 100000, 10}, {0, 1000, 1}}, 11},
		{[]IDMap{{0, 1000, 1}, {5, 100000, 10}}, 1},
		{nil, 0},
	} {
		if got := top(tt.ns); got != tt.want {
			t.Errorf("top(%v) = %d, want %d", tt.ns, got, tt.want)
		}
	}
}

func TestMakeAccessible(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create directories of other owners")
	}
	root := t.TempDir()
	os.Chmod(root, 0o755)
	private := filepath.Join(root, "storage") // the user's, 0700: gets o+x
	layer := filepath.Join(private, "layer")  // the container root's (ns 1), 0700: left alone
	merged := filepath.Join(layer, "merged")
	if err := os.MkdirAll(merged, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(private, 0o700)
	os.Chown(layer, 1, 1)
	nomap, _ := Mode{Kind: ModeNoMap}.Mappings(subNS, subNS, 1002, 1002)
	keepID, _ := Mode{Kind: ModeKeepID}.Mappings(subNS, subNS, 1002, 1002)
	for _, m := range []Mapping{{}, keepID} {
		if err := m.MakeAccessible(merged); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(private); st.Mode().Perm() != 0o700 {
			t.Fatalf("a mapping that maps the user changed %s to %o", private, st.Mode().Perm())
		}
	}
	if err := nomap.MakeAccessible(merged); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(private); st.Mode().Perm() != 0o701 {
		t.Fatalf("%s: mode %o, want 0701", private, st.Mode().Perm())
	}
	if st, _ := os.Stat(layer); st.Mode().Perm() != 0o700 {
		t.Fatalf("%s, owned by the container's root: mode %o, want 0700", layer, st.Mode().Perm())
	}
	stranger := filepath.Join(root, "stranger")
	os.MkdirAll(filepath.Join(stranger, "x"), 0o700)
	os.Chown(stranger, 70000, 70000)
	if err := nomap.MakeAccessible(filepath.Join(stranger, "x")); err == nil || !strings.Contains(err.Error(), "is not searchable by others and not yours") {
		t.Fatalf("a stranger's directory: %v", err)
	}
}
