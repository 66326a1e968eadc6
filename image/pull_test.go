package image

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/types"
)

var insecure = SystemOptions{SkipTLSVerify: types.OptionalBoolTrue}

func TestPullRegistry(t *testing.T) {
	store := newStore(t)
	dir := t.TempDir()
	id1 := writeLayout(t, dir, "1", testImage{Layers: []map[string]string{{"a": "1"}, {"b": "1"}}})
	id2 := writeLayout(t, dir, "2", testImage{Layers: []map[string]string{{"a": "2"}}})
	host := (&fakeRegistry{dir: dir, repo: "x"}).start(t)
	ctx := context.Background()

	var out bytes.Buffer
	got, err := Pull(ctx, store, host+"/x:1", PullOptions{System: insecure, Writer: &out})
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, out.String())
	}
	if len(got) != 1 || got[0] != id1.Encoded() {
		t.Errorf("pull returned %v, want [%s]", got, id1.Encoded())
	}
	// Podman's lines, in order (the output is not a terminal, so no progress bars).
	text := out.String()
	at := 0
	for _, line := range []string{"Trying to pull " + host + "/x:1...\n", "Getting image source signatures\n", "Copying blob sha256:", "Copying blob sha256:",
		"Copying config sha256:" + id1.Encoded() + "\n", "Writing manifest to image destination\n", "Storing signatures\n"} {
		i := strings.Index(text[at:], line)
		if i < 0 {
			t.Fatalf("pull output lacks %q after offset %d:\n%s", line, at, text)
		}
		at += i + len(line)
	}
	if img, err := Lookup(store, host+"/x:1"); err != nil || img.ID != id1.Encoded() {
		t.Errorf("pulled image not stored under its name: %v %v", img, err)
	}

	// Pulling again succeeds and reuses what is there.
	if _, err := Pull(ctx, store, "docker://"+host+"/x:1", PullOptions{System: insecure}); err != nil {
		t.Errorf("re-pull: %v", err)
	}

	// A missing tag: one line naming the reference and the registry's "manifest unknown".
	_, err = Pull(ctx, store, host+"/x:nope", PullOptions{System: insecure})
	if err == nil || !strings.Contains(err.Error(), host+"/x:nope") || !strings.Contains(err.Error(), "manifest unknown") || strings.Contains(err.Error(), "\n") {
		t.Errorf("pull of a missing tag: %v", err)
	}

	// --all-tags pulls both.
	got, err = Pull(ctx, store, host+"/x", PullOptions{System: insecure, AllTags: true})
	if err != nil || len(got) != 2 || got[0] != id1.Encoded() || got[1] != id2.Encoded() {
		t.Errorf("pull --all-tags = %v, %v", got, err)
	}
	if _, err := Pull(ctx, store, host+"/x:1", PullOptions{System: insecure, AllTags: true}); err == nil {
		t.Error("pull --all-tags of a tagged name succeeded")
	}

	// Without --tls-verify=false the plain-http registry is refused.
	if _, err := Pull(ctx, store, host+"/x:2", PullOptions{System: SystemOptions{SkipTLSVerify: types.OptionalBoolFalse}}); err == nil {
		t.Error("pull over plain http with TLS verification succeeded")
	}
}

func TestPullBadNameTouchesNothing(t *testing.T) {
	store := newStore(t)
	_, err := Pull(context.Background(), store, "Bad:Ref!!", PullOptions{})
	if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), `"Bad:Ref!!"`) {
		t.Fatalf("pull Bad:Ref!! = %v", err)
	}
	if imgs, _ := store.Images(); len(imgs) != 0 {
		t.Errorf("store has %d images after a rejected pull", len(imgs))
	}
	if _, err := os.Stat(filepath.Join(store.GraphRoot(), "cache")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a rejected pull created the blob-info cache: %v", err)
	}
}

func TestPullOCILayout(t *testing.T) {
	store := newStore(t)
	dir := filepath.Join(t.TempDir(), "layout")
	id := writeLayout(t, dir, "v1", testImage{})
	got, err := Pull(context.Background(), store, "oci:"+dir+":v1", PullOptions{})
	if err != nil || len(got) != 1 || got[0] != id.Encoded() {
		t.Fatalf("pull oci: = %v, %v", got, err)
	}
	want := "localhost/" + strings.ToLower(strings.TrimPrefix(dir, "/")) + ":v1"
	if n := names(t, store, got[0]); len(n) != 1 || n[0] != want {
		t.Errorf("names = %v, want [%s]", n, want)
	}
	if _, err := Pull(context.Background(), store, "oci:"+dir+":nosuch", PullOptions{}); err == nil {
		t.Error("pull of a missing oci: tag succeeded")
	}
}

func TestResolvePullName(t *testing.T) {
	dir := t.TempDir()
	conf := func(name, body string) *types.SystemContext {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		mode := types.ShortNameModeDisabled
		return &types.SystemContext{
			SystemRegistriesConfPath:    p,
			SystemRegistriesConfDirPath: filepath.Join(dir, "nonexistent.d"),
			UserShortNameAliasConfPath:  filepath.Join(dir, "aliases-"+name),
			ShortNameMode:               &mode,
		}
	}
	empty := conf("empty.conf", "")
	search := conf("search.conf", `unqualified-search-registries = ["127.0.0.1:5000", "quay.io"]`+"\n")
	alias := conf("alias.conf", "[aliases]\n\"tiny\" = \"quay.io/t/tiny\"\n")
	for _, tc := range []struct {
		sys        *types.SystemContext
		name, want string
	}{
		{empty, "busybox", "docker.io/library/busybox:latest"},
		{empty, "busybox:1", "docker.io/library/busybox:1"},
		{empty, "team/app", "docker.io/team/app:latest"},
		{empty, "localhost:5000/x:1", "localhost:5000/x:1"},
		{empty, "docker://busybox", "docker.io/library/busybox:latest"},
		{search, "busybox", "127.0.0.1:5000/busybox:latest quay.io/busybox:latest"},
		{alias, "tiny:2", "quay.io/t/tiny:2"},
	} {
		res, _, err := resolvePullName(tc.sys, tc.name)
		if err != nil {
			t.Errorf("resolvePullName(%s) with %s: %v", tc.name, tc.sys.SystemRegistriesConfPath, err)
			continue
		}
		var got []string
		for _, c := range res.PullCandidates {
			got = append(got, c.Value.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("resolvePullName(%s) with %s = %v, want %s", tc.name, filepath.Base(tc.sys.SystemRegistriesConfPath), got, tc.want)
		}
	}
}
