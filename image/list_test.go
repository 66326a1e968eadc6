package image

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/containers/storage"
)

// fixture is a store with related images:
//
//	other    docker.io/library/other:latest  created day 4, labels a=1 b=2
//	child    quay.io/x/child:2, localhost/child:latest  day 3, built on base
//	base     localhost/base:1                 day 2
//	orphan   (no name)                        day 1
type fixture struct {
	store                      storage.Store
	other, child, base, orphan string
}

func day(n int) time.Time { return testEpoch.Add(time.Duration(n) * 24 * time.Hour) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := newStore(t)
	dir := t.TempDir()
	l1 := map[string]string{"etc/base": "base"}
	writeLayout(t, dir, "base", testImage{Layers: []map[string]string{l1}, Created: day(2), Comment: "the base"})
	writeLayout(t, dir, "child", testImage{Layers: []map[string]string{l1, {"child": "child"}}, Created: day(3), Env: []string{"A=B", "C=D"}, Empty: 1})
	writeLayout(t, dir, "other", testImage{Layers: []map[string]string{{"other": "o"}}, Created: day(4), Labels: map[string]string{"a": "1", "b": "2"}})
	writeLayout(t, dir, "orphan", testImage{Layers: []map[string]string{{"orphan": "x"}}, Created: day(1)})
	f := &fixture{store: store}
	f.base = load(t, store, dir, "base", "localhost/base:1")
	f.child = load(t, store, dir, "child", "quay.io/x/child:2")
	f.other = load(t, store, dir, "other", "docker.io/library/other:latest")
	f.orphan = load(t, store, dir, "orphan", "")
	if err := Tag(store, f.child, []string{"child"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func ids(sums []Summary) string {
	var s []string
	for _, x := range sums {
		s = append(s, shortID(x.ID))
	}
	return strings.Join(s, " ")
}

func (f *fixture) short(names ...string) string {
	m := map[string]string{"other": f.other, "child": f.child, "base": f.base, "orphan": f.orphan}
	var s []string
	for _, n := range names {
		s = append(s, shortID(m[n]))
	}
	return strings.Join(s, " ")
}

func TestList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	list := func(opts ListOptions) []Summary {
		t.Helper()
		sums, err := List(ctx, f.store, opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", opts, err)
		}
		return sums
	}
	sums := list(ListOptions{})
	if got, want := ids(sums), f.short("other", "child", "base", "orphan"); got != want {
		t.Fatalf("List order = %s, want %s (newest first)", got, want)
	}
	s := sums[1]
	if s.Created != day(3).Unix() || s.ParentID != f.base || s.Dangling || len(s.RepoTags) != 2 ||
		!strings.Contains(strings.Join(s.RepoDigests, " "), "quay.io/x/child@"+s.Digest) || s.Size <= 0 || s.VirtualSize != s.Size {
		t.Errorf("child summary = %+v", s)
	}
	if o := sums[0]; o.Labels["a"] != "1" || o.ParentID != "" {
		t.Errorf("other summary = %+v", o)
	}
	if o := sums[3]; !o.Dangling || o.Names != nil || o.RepoTags != nil {
		t.Errorf("orphan summary = %+v", o)
	}

	for _, tc := range []struct {
		filters []string
		want    []string
	}{
		{[]string{"reference=*child*"}, []string{"child"}},
		{[]string{"reference=quay.io/*/child"}, []string{"child"}},
		{[]string{"reference=child:2"}, []string{"child"}},
		{[]string{"reference=base", "reference=other"}, []string{"other", "base"}},
		{[]string{"reference=nomatch"}, nil},
		{[]string{"dangling=true"}, []string{"orphan"}},
		{[]string{"dangling=false"}, []string{"other", "child", "base"}},
		{[]string{"label=a"}, []string{"other"}},
		{[]string{"label=a=1", "label=b=2"}, []string{"other"}},
		{[]string{"label=a=2"}, nil},
		{[]string{"label!=a"}, []string{"child", "base", "orphan"}},
		{[]string{"before=child"}, []string{"base", "orphan"}},
		{[]string{"since=base:1"}, []string{"other", "child"}},
		{[]string{"since=base:1", "before=other"}, []string{"child"}},
		{[]string{"until=" + day(2).Add(time.Hour).Format(time.RFC3339)}, []string{"base", "orphan"}},
		{[]string{"id=" + f.base[:6]}, []string{"base"}},
		{[]string{"containers=false"}, []string{"other", "child", "base", "orphan"}},
	} {
		t.Run(strings.Join(tc.filters, ","), func(t *testing.T) {
			got := ids(list(ListOptions{Filters: tc.filters}))
			if want := f.short(tc.want...); got != want {
				t.Errorf("filters %v: got %s, want %s", tc.filters, got, want)
			}
		})
	}

	for _, bad := range [][]string{{"bogus=1"}, {"dangling=maybe"}, {"noequals"}, {"before=nosuch"}, {"until=soon"}, {"digest=abc"}} {
		if _, err := List(ctx, f.store, ListOptions{Filters: bad}); err == nil {
			t.Errorf("List with filter %v succeeded", bad)
		}
	}
}

// An untagged image that another image is built on is intermediate: hidden unless All, and not dangling.
func TestListIntermediate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := Untag(f.store, f.base, nil); err != nil {
		t.Fatal(err)
	}
	sums, err := List(ctx, f.store, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(sums), f.short("other", "child", "orphan"); got != want {
		t.Errorf("List = %s, want %s (intermediate base hidden)", got, want)
	}
	sums, err = List(ctx, f.store, ListOptions{All: true, Filters: []string{"dangling=true"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(sums), f.short("orphan"); got != want {
		t.Errorf("List -a dangling=true = %s, want %s", got, want)
	}
	sums, err = List(ctx, f.store, ListOptions{All: true, Filters: []string{"intermediate=true"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(sums), f.short("base"); got != want {
		t.Errorf("List -a intermediate=true = %s, want %s", got, want)
	}
}

func TestRows(t *testing.T) {
	created := time.Now().Add(-2 * time.Hour)
	sums := []Summary{
		{ID: strings.Repeat("a", 64), Names: []string{"quay.io/x/child:2", "localhost/child:latest"}, Size: 4493955, Created: created.Unix(), Digest: "sha256:" + hex64a},
		{ID: strings.Repeat("b", 64), Names: []string{"quay.io/x/pinned@sha256:" + hex64a}, Size: 999, Created: created.Unix()},
		{ID: strings.Repeat("c", 64), Size: 0, Created: created.Unix()},
	}
	rows := Rows(sums, false)
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Repository, r.Tag, r.ID, r.Created, r.Size}, "|"))
	}
	want := []string{
		"quay.io/x/child|2|aaaaaaaaaaaa|2 hours ago|4.49 MB",
		"localhost/child|latest|aaaaaaaaaaaa|2 hours ago|4.49 MB",
		"quay.io/x/pinned|<none>|bbbbbbbbbbbb|2 hours ago|999 B",
		"<none>|<none>|cccccccccccc|2 hours ago|0 B",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Rows =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := Rows(sums[:1], true)[0]; r.ID != "sha256:"+strings.Repeat("a", 64) || r.Digest != "sha256:"+hex64a {
		t.Errorf("Rows(noTrunc) = %+v", r)
	}
	if q := QuietIDs(sums, false); strings.Join(q, " ") != "aaaaaaaaaaaa bbbbbbbbbbbb cccccccccccc" {
		t.Errorf("QuietIDs = %v", q)
	}
}
