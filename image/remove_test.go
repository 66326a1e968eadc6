package image

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/containers/storage"
)

func names(t *testing.T, store storage.Store, id string) []string {
	t.Helper()
	img, err := store.Image(id)
	if err != nil {
		t.Fatalf("image %s: %v", shortID(id), err)
	}
	n := slices.Clone(img.Names)
	slices.Sort(n)
	return n
}

func gone(store storage.Store, id string) bool {
	_, err := store.Image(id)
	return errors.Is(err, storage.ErrImageUnknown)
}

func TestTagUntag(t *testing.T) {
	f := newFixture(t)
	if err := Tag(f.store, "base:1", []string{"mine", "quay.io/y/z:9", "docker.io/alpine"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"docker.io/library/alpine:latest", "localhost/base:1", "localhost/mine:latest", "quay.io/y/z:9"}
	if got := names(t, f.store, f.base); !slices.Equal(got, want) {
		t.Errorf("names after tag = %v, want %v", got, want)
	}
	// A name held by another image moves, as in Docker.
	if err := Tag(f.store, "other", []string{"mine"}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, f.store, f.base); slices.Contains(got, "localhost/mine:latest") {
		t.Errorf("base still named mine: %v", got)
	}
	// Bad input changes nothing.
	if err := Tag(f.store, "base:1", []string{"ok", "Bad!"}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Tag with a bad name = %v, want ErrInvalidName", err)
	}
	if got := names(t, f.store, f.base); slices.Contains(got, "localhost/ok:latest") {
		t.Errorf("a bad tag list still added names: %v", got)
	}
	if err := Tag(f.store, "nosuch", []string{"x"}); !errors.Is(err, storage.ErrImageUnknown) {
		t.Errorf("Tag(nosuch) = %v", err)
	}

	if err := Untag(f.store, "base:1", []string{"quay.io/y/z:9", "alpine"}); err == nil || !errors.Is(err, ErrTagUnknown) {
		t.Errorf("Untag with a foreign name = %v, want ErrTagUnknown", err)
	} else if want := "localhost/alpine:latest: tag not known"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if got := names(t, f.store, f.base); !slices.Contains(got, "quay.io/y/z:9") {
		t.Errorf("a failed untag removed names: %v", got)
	}
	if err := Untag(f.store, "base:1", []string{"quay.io/y/z:9"}); err != nil {
		t.Fatal(err)
	}
	if err := Untag(f.store, "base:1", nil); err != nil {
		t.Fatal(err)
	}
	if got := names(t, f.store, f.base); len(got) != 0 {
		t.Errorf("names after untag all = %v", got)
	}
}

func TestRemove(t *testing.T) {
	f := newFixture(t)
	// One of two names: only untagged.
	rep, errs := Remove(f.store, []string{"child"}, RemoveOptions{})
	if len(errs) != 0 || !slices.Equal(rep.Untagged, []string{"localhost/child:latest"}) || len(rep.Deleted) != 0 {
		t.Fatalf("rmi child = %+v %v", rep, errs)
	}
	// By ID with several names: refused without force.
	if err := Tag(f.store, f.other, []string{"second"}); err != nil {
		t.Fatal(err)
	}
	_, errs = Remove(f.store, []string{f.other[:12]}, RemoveOptions{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "by ID with more than one tag") || errors.Is(errs[0], storage.ErrImageUnknown) || errors.Is(errs[0], storage.ErrImageUsedByContainer) {
		t.Errorf("rmi by ID of a multi-name image = %v", errs)
	}
	// In use by a container: exit 2, nothing removed.
	ctr, err := f.store.CreateContainer("", []string{"c1"}, f.child, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, errs = Remove(f.store, []string{"quay.io/x/child:2"}, RemoveOptions{})
	if len(errs) != 1 || !errors.Is(errs[0], storage.ErrImageUsedByContainer) || gone(f.store, f.child) {
		t.Fatalf("rmi of an image in use = %v", errs)
	}
	if !strings.Contains(errs[0].Error(), ctr.ID) || !strings.Contains(errs[0].Error(), "--force") {
		t.Errorf("in-use error %q names neither the container nor the fix", errs[0])
	}
	// Unknown plus a good one: the good one goes, exit 1.
	rep, errs = Remove(f.store, []string{"nosuch", "base:1"}, RemoveOptions{})
	if len(errs) != 1 || errs[0].Error() != "nosuch: image not known" || !errors.Is(errs[0], storage.ErrImageUnknown) {
		t.Errorf("rmi nosuch base:1 errors = %v", errs)
	}
	if !slices.Equal(rep.Untagged, []string{"localhost/base:1"}) || !slices.Equal(rep.Deleted, []string{f.base}) || !gone(f.store, f.base) {
		t.Errorf("rmi base:1 = %+v", rep)
	}
	// --ignore drops unknown names.
	if _, errs = Remove(f.store, []string{"nosuch"}, RemoveOptions{Ignore: true}); len(errs) != 0 {
		t.Errorf("rmi -i nosuch = %v", errs)
	}
	// --force removes the container, then the image; it implies --ignore.
	var removedCtrs []string
	rm := func(id string) error { removedCtrs = append(removedCtrs, id); return f.store.DeleteContainer(id) }
	rep, errs = Remove(f.store, []string{"quay.io/x/child:2", "nosuch"}, RemoveOptions{Force: true, RemoveContainer: rm})
	if len(errs) != 0 || !slices.Equal(removedCtrs, []string{ctr.ID}) || !slices.Equal(rep.Deleted, []string{f.child}) || !gone(f.store, f.child) {
		t.Errorf("rmi -f child = %+v %v, containers removed %v", rep, errs, removedCtrs)
	}
	// -a removes the rest, names and all.
	rep, errs = Remove(f.store, nil, RemoveOptions{All: true})
	if len(errs) != 0 || len(rep.Deleted) != 2 || !gone(f.store, f.other) || !gone(f.store, f.orphan) {
		t.Errorf("rmi -a = %+v %v", rep, errs)
	}
	for _, bad := range []struct {
		names []string
		opts  RemoveOptions
	}{{nil, RemoveOptions{}}, {[]string{"x"}, RemoveOptions{All: true}}} {
		if _, errs := Remove(f.store, bad.names, bad.opts); len(errs) != 1 {
			t.Errorf("Remove(%v, %+v) = %v, want one usage error", bad.names, bad.opts, errs)
		}
	}
}

func TestPrune(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := Untag(f.store, f.base, nil); err != nil {
		t.Fatal(err)
	}
	// Dangling only: the orphan goes; base is intermediate (child is built on it) and stays.
	rep, err := Prune(ctx, f.store, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep) != 1 || rep[0].ID != f.orphan || rep[0].Size <= 0 || !gone(f.store, f.orphan) || gone(f.store, f.base) {
		t.Fatalf("prune = %+v", rep)
	}
	// Untagging the child makes it dangling; removing it makes base dangling: both go in one call.
	if err := Untag(f.store, f.child, nil); err != nil {
		t.Fatal(err)
	}
	rep, err = Prune(ctx, f.store, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep) != 2 || rep[0].ID != f.child || rep[1].ID != f.base {
		t.Fatalf("prune of a dangling chain = %+v", rep)
	}
	// -a with a filter, and an image in use is kept.
	dir := simpleImage(t, "used", testImage{Labels: map[string]string{"keep": "no"}})
	used := load(t, f.store, dir, "used", "localhost/used:1")
	if _, err := f.store.CreateContainer("", nil, used, "", "", nil); err != nil {
		t.Fatal(err)
	}
	rep, err = Prune(ctx, f.store, PruneOptions{All: true, Filters: []string{"label=keep"}})
	if err != nil || len(rep) != 0 {
		t.Fatalf("prune -a --filter label=keep = %+v %v; the only labelled image is in use", rep, err)
	}
	rep, err = Prune(ctx, f.store, PruneOptions{All: true})
	if err != nil || len(rep) != 1 || rep[0].ID != f.other || gone(f.store, used) {
		t.Fatalf("prune -a = %+v %v", rep, err)
	}
	if _, err := Prune(ctx, f.store, PruneOptions{Filters: []string{"bogus=1"}}); err == nil {
		t.Error("prune with a bad filter succeeded")
	}
}
