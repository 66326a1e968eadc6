package userns

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSubIDs(t *testing.T) {
	const file = `# comment
alice:100000:65536
1001:200000:1000
bob:300000:65536

alice:400000:10
broken line
alice:x:10
alice:5:0
`
	tests := []struct {
		name      string
		user      string
		id        int
		want      []Range
		wantWarns int
	}{
		{"by name, several ranges", "alice", 1001, []Range{{100000, 65536}, {200000, 1000}, {400000, 10}}, 3},
		{"by numeric id only", "carol", 1001, []Range{{200000, 1000}}, 1},
		{"other user", "bob", 1002, []Range{{300000, 65536}}, 1},
		{"no range", "nobody", 4242, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns, err := ParseSubIDs(strings.NewReader(file), tt.user, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ranges = %v, want %v", got, tt.want)
			}
			if len(warns) != tt.wantWarns {
				t.Errorf("warnings = %q, want %d", warns, tt.wantWarns)
			}
		})
	}
}

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name             string
		subuids, subgids []Range
		wantUIDs         []IDMap
		wantSingle       bool
	}{
		{
			name:     "one range",
			subuids:  []Range{{100000, 65536}},
			subgids:  []Range{{100000, 65536}},
			wantUIDs: []IDMap{{0, 1001, 1}, {1, 100000, 65536}},
		},
		{
			name:     "ranges stack from 1",
			subuids:  []Range{{100000, 1000}, {300000, 65536}},
			subgids:  []Range{{100000, 65536}},
			wantUIDs: []IDMap{{0, 1001, 1}, {1, 100000, 1000}, {1001, 300000, 65536}},
		},
		{
			name:     "range holding the user's own id is skipped",
			subuids:  []Range{{1000, 10}, {100000, 65536}},
			subgids:  []Range{{100000, 65536}},
			wantUIDs: []IDMap{{0, 1001, 1}, {1, 100000, 65536}},
		},
		{name: "no ranges", wantUIDs: []IDMap{{0, 1001, 1}}, wantSingle: true},
		{name: "uids but no gids", subuids: []Range{{100000, 65536}}, wantUIDs: []IDMap{{0, 1001, 1}}, wantSingle: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan(1001, 1001, tt.subuids, tt.subgids)
			if !reflect.DeepEqual(p.UIDs, tt.wantUIDs) || p.Single != tt.wantSingle {
				t.Errorf("plan = %+v, want UIDs %v single %v", p, tt.wantUIDs, tt.wantSingle)
			}
			if len(p.GIDs) == 0 || p.GIDs[0] != (IDMap{0, 1001, 1}) {
				t.Errorf("GIDs = %v, want root mapped to the user's gid first", p.GIDs)
			}
		})
	}
}

func TestIDMapFormats(t *testing.T) {
	maps := []IDMap{{0, 1001, 1}, {1, 100000, 65536}}
	if got, want := strings.Join(args(maps), " "), "0 1001 1 1 100000 65536"; got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
	parsed, err := ParseProcMap("         0       1001          1\n         1     100000      65536\n")
	if err != nil || !reflect.DeepEqual(parsed, maps) {
		t.Errorf("ParseProcMap = %v, %v; want %v", parsed, err, maps)
	}
	if back, _ := ParseProcMap(procFormat(maps)); !reflect.DeepEqual(back, maps) {
		t.Errorf("procFormat round trip = %v", back)
	}
	if _, err := ParseProcMap("0 1001"); err == nil {
		t.Error("ParseProcMap accepted a short line")
	}
}
