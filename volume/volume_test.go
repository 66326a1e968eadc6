package volume

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as a helper that dies half-way through a change (see TestKilledCommands).
func TestMain(m *testing.M) {
	if step := os.Getenv("VOLUME_TEST_DIE_AT"); step != "" {
		crashPoint = func(s string) {
			if s == step {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
		s := &Store{dir: os.Getenv("VOLUME_TEST_DIR")}
		var err error
		switch op := os.Getenv("VOLUME_TEST_OP"); op {
		case "create":
			_, err = s.Create(CreateOptions{Name: "victim"})
		case "remove":
			err = s.Remove("victim", false)
		}
		fmt.Fprintln(os.Stderr, "helper did not die:", err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func names(t *testing.T, s *Store, f Filters) []string {
	t.Helper()
	vs, err := s.List(f)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

func TestCreateInspectRemove(t *testing.T) {
	s := newStore(t)
	v, err := s.Create(CreateOptions{Name: "data", Labels: map[string]string{"app": "web"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Mountpoint() != filepath.Join(s.Dir(), "data", "_data") {
		t.Fatalf("mountpoint %s", v.Mountpoint())
	}
	if st, err := os.Stat(v.Mountpoint()); err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
		t.Fatalf("data dir: %v %v", st, err)
	}
	got, err := s.Get("data")
	if err != nil {
		t.Fatal(err)
	}
	d := got.Inspect()
	if d.Name != "data" || d.Driver != "local" || d.Scope != "local" || d.Labels["app"] != "web" || !d.NeedsCopyUp ||
		!d.NeedsChown || d.Mountpoint != v.Mountpoint() || time.Since(d.CreatedAt) > time.Minute || d.Options == nil {
		t.Fatalf("inspect = %+v", d)
	}
	if _, err := s.Create(CreateOptions{Name: "data"}); !errors.Is(err, ErrExists) ||
		err.Error() != "volume with name data already exists: volume already exists" {
		t.Fatalf("second create: %v", err)
	}
	if again, err := s.Create(CreateOptions{Name: "data", Ignore: true}); err != nil || again.Labels["app"] != "web" {
		t.Fatalf("create --ignore: %v %+v", err, again)
	}
	if ok, err := s.Exists("data"); !ok || err != nil {
		t.Fatalf("Exists = %v %v", ok, err)
	}
	if err := s.Remove("data", false); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Exists("data"); ok {
		t.Fatal("volume survived Remove")
	}
	if err := s.Remove("data", false); !errors.Is(err, ErrNoSuchVolume) || err.Error() != "no such volume data" {
		t.Fatalf("remove of a removed volume: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "data")); !os.IsNotExist(err) {
		t.Fatalf("volume directory left: %v", err)
	}
}

func TestCreateRandomName(t *testing.T) {
	s := newStore(t)
	v, err := s.Create(CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Name) != 64 || strings.Trim(v.Name, "0123456789abcdef") != "" {
		t.Fatalf("random name %q", v.Name)
	}
}

func TestCreateValidation(t *testing.T) {
	s := newStore(t)
	tests := []struct {
		o    CreateOptions
		want string
	}{
		{CreateOptions{Name: "bad/name"}, `volume name "bad/name": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`},
		{CreateOptions{Name: ".hidden"}, `volume name ".hidden"`},
		{CreateOptions{Name: "v", Driver: "nfs"}, `volume driver "nfs": skiff has only the local driver`},
		{CreateOptions{Name: "v", Options: map[string]string{"type": "nfs"}}, `volume option type=nfs: a rootless volume can be only type=tmpfs or type=bind`},
		{CreateOptions{Name: "v", Options: map[string]string{"colour": "red"}}, `volume option "colour": the local driver takes type=, device= and o=`},
		{CreateOptions{Name: "v", Options: map[string]string{"o": "size=10m"}}, `size= needs type=tmpfs`},
		{CreateOptions{Name: "v", Options: map[string]string{"type": "tmpfs", "o": "size=10m,bogus"}}, `unknown mount option "bogus"`},
		{CreateOptions{Name: "v", Options: map[string]string{"o": "uid=x"}}, `uid="x" is not a number`},
		{CreateOptions{Name: "v", Options: map[string]string{"type": "bind", "device": "/tmp"}}, `type=bind needs o=bind or o=rbind`},
		{CreateOptions{Name: "v", Options: map[string]string{"type": "bind", "device": "rel", "o": "bind"}}, `needs device=/ABSOLUTE/PATH`},
		{CreateOptions{Name: "v", Options: map[string]string{"type": "bind", "device": "/nonexistent", "o": "bind"}}, `device=/nonexistent: no such directory`},
		{CreateOptions{Name: "v", Options: map[string]string{"device": "/tmp"}}, `need type=tmpfs or type=bind`},
		{CreateOptions{Name: "v", Labels: map[string]string{"": "x"}}, `label with an empty name`},
	}
	for _, tt := range tests {
		_, err := s.Create(tt.o)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Create(%+v): %v, want ErrInvalid containing %q", tt.o, err, tt.want)
		}
	}
	if got := names(t, s, Filters{}); len(got) != 0 {
		t.Fatalf("a failed create left volumes: %v", got)
	}
	entries, _ := os.ReadDir(s.Dir())
	for _, e := range entries {
		if e.Name() != storeLockFile {
			t.Errorf("a failed create left %s", e.Name())
		}
	}
}

func TestCreateOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another owner needs root (or the user's namespace)")
	}
	s := newStore(t)
	v, err := s.Create(CreateOptions{Name: "owned", Options: map[string]string{"o": "uid=1000,gid=1001"}})
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(v.Mountpoint(), &st); err != nil || st.Uid != 1000 || st.Gid != 1001 {
		t.Fatalf("owner %d:%d, %v", st.Uid, st.Gid, err)
	}
	if v.NeedsChown {
		t.Fatal("a volume with o=uid= still needs a chown")
	}
	if d := v.Inspect(); d.UID != 1000 || d.GID != 1001 {
		t.Fatalf("inspect UID/GID %d/%d", d.UID, d.GID)
	}
}

// Of several creates of one name running at once, exactly one wins; the store stays consistent.
func TestConcurrentCreate(t *testing.T) {
	s := newStore(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each goroutine opens the store itself, as separate commands would.
			other := &Store{dir: s.dir}
			_, errs[i] = other.Create(CreateOptions{Name: "race", Labels: map[string]string{"n": fmt.Sprint(i)}})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrExists):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates won, want 1", won)
	}
	if got := names(t, s, Filters{}); !reflect.DeepEqual(got, []string{"race"}) {
		t.Fatalf("volumes %v", got)
	}
}

// A command killed at any step of create or remove leaves either no volume or a whole one, and the
// next change clears what it left.
func TestKilledCommands(t *testing.T) {
	for _, tt := range []struct {
		op, step string
		exists   bool
	}{
		{"create", "create: data directory made", false},
		{"create", "create: metadata written", false},
		{"remove", "remove: renamed away", false},
	} {
		t.Run(tt.step, func(t *testing.T) {
			s := newStore(t)
			if tt.op == "remove" {
				if _, err := s.Create(CreateOptions{Name: "victim"}); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(s.Dir(), "victim", "_data", "f"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "VOLUME_TEST_DIE_AT="+tt.step, "VOLUME_TEST_DIR="+s.Dir(), "VOLUME_TEST_OP="+tt.op)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("helper was not killed: %v\n%s", err, out)
			}
			if got := names(t, s, Filters{}); len(got) != 0 {
				t.Fatalf("after a killed %s: volumes %v", tt.op, got)
			}
			if ok, err := s.Exists("victim"); ok || err != nil {
				t.Fatalf("Exists = %v, %v", ok, err)
			}
			if _, err := s.Create(CreateOptions{Name: "victim"}); err != nil {
				t.Fatalf("create after a killed %s: %v", tt.op, err)
			}
			entries, _ := os.ReadDir(s.Dir())
			var left []string
			for _, e := range entries {
				left = append(left, e.Name())
			}
			if !reflect.DeepEqual(left, []string{storeLockFile, "victim"}) {
				t.Fatalf("store holds %v after the next change", left)
			}
		})
	}
}

// A directory in the store without metadata is not a volume, and create does not overwrite it.
func TestForeignDirectory(t *testing.T) {
	s := newStore(t)
	if err := os.MkdirAll(filepath.Join(s.Dir(), "stray", "_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s, Filters{}); len(got) != 0 {
		t.Fatalf("volumes %v", got)
	}
	if _, err := s.Create(CreateOptions{Name: "stray"}); err == nil || !strings.Contains(err.Error(), "holds no volume") {
		t.Fatalf("create over a stray directory: %v", err)
	}
}

func TestInUse(t *testing.T) {
	s := newStore(t)
	for _, n := range []string{"used", "free"} {
		if _, err := s.Create(CreateOptions{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	s.Users = func(name string) ([]string, error) {
		if name == "used" {
			return []string{"web", "db"}, nil
		}
		return nil, nil
	}
	err := s.Remove("used", false)
	if !errors.Is(err, ErrInUse) || err.Error() != "volume used is being used by the following container(s): web, db: volume is being used" {
		t.Fatalf("remove of a volume in use: %v", err)
	}
	if err := s.Remove("used", true); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "remove them first") {
		t.Fatalf("forced remove without RemoveUsers: %v", err)
	}
	var removed []string
	s.RemoveUsers = func(n []string) error {
		removed = append(removed, n...)
		s.Users = nil
		return nil
	}
	if err := s.Remove("used", true); err != nil || !reflect.DeepEqual(removed, []string{"web", "db"}) {
		t.Fatalf("forced remove: %v, removed %v", err, removed)
	}
}

func TestListFilters(t *testing.T) {
	s := newStore(t)
	for _, o := range []CreateOptions{
		{Name: "alpha", Labels: map[string]string{"tier": "db", "keep": ""}},
		{Name: "beta", Labels: map[string]string{"tier": "web"}},
		{Name: "gamma"},
		{Name: "anon1", Anonymous: true},
	} {
		if _, err := s.Create(o); err != nil {
			t.Fatal(err)
		}
	}
	s.Users = func(name string) ([]string, error) {
		if name == "beta" {
			return []string{"c1"}, nil
		}
		return nil, nil
	}
	tests := []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"alpha", "anon1", "beta", "gamma"}},
		{[]string{"name=a$"}, []string{"alpha", "beta", "gamma"}},
		{[]string{"name=^al", "name=^be"}, []string{"alpha", "beta"}},
		{[]string{"label=tier"}, []string{"alpha", "beta"}},
		{[]string{"label=tier=db"}, []string{"alpha"}},
		{[]string{"label=tier", "label=keep"}, []string{"alpha"}},
		{[]string{"label!=tier"}, []string{"anon1", "gamma"}},
		{[]string{"dangling=true"}, []string{"alpha", "anon1", "gamma"}},
		{[]string{"dangling=false"}, []string{"beta"}},
		{[]string{"driver=local", "scope=local", "name=gamma"}, []string{"gamma"}},
		{[]string{"driver=nfs"}, []string{}},
		{[]string{"anonymous=true"}, []string{"anon1"}},
		{[]string{"until=1h"}, []string{}},
		{[]string{"until=" + time.Now().Add(time.Hour).Format(time.RFC3339)}, []string{"alpha", "anon1", "beta", "gamma"}},
	}
	for _, tt := range tests {
		f, err := ParseFilters(tt.filters, ListFilterKeys)
		if err != nil {
			t.Fatalf("%v: %v", tt.filters, err)
		}
		if got := names(t, s, f); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("filters %v: %v, want %v", tt.filters, got, tt.want)
		}
	}
	for _, bad := range []string{"colour=red", "name", "dangling=maybe", "name=(", "until=soon", "label="} {
		if _, err := ParseFilters([]string{bad}, ListFilterKeys); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("filter %q: %v", bad, err)
		}
	}
	if _, err := ParseFilters([]string{"dangling=true"}, PruneFilterKeys); err == nil {
		t.Error("prune accepted dangling=")
	}
}

func TestPrune(t *testing.T) {
	s := newStore(t)
	for _, o := range []CreateOptions{{Name: "used"}, {Name: "old", Labels: map[string]string{"x": "1"}}, {Name: "other"}} {
		if _, err := s.Create(o); err != nil {
			t.Fatal(err)
		}
	}
	s.Users = func(name string) ([]string, error) {
		if name == "used" {
			return []string{"c"}, nil
		}
		return nil, nil
	}
	f, _ := ParseFilters([]string{"label=x"}, PruneFilterKeys)
	rep, err := s.Prune(f)
	if err != nil || len(rep) != 1 || rep[0].Name != "old" || rep[0].Err != nil {
		t.Fatalf("prune label=x: %+v %v", rep, err)
	}
	rep, err = s.Prune(Filters{})
	if err != nil || len(rep) != 1 || rep[0].Name != "other" {
		t.Fatalf("prune: %+v %v", rep, err)
	}
	if got := names(t, s, Filters{}); !reflect.DeepEqual(got, []string{"used"}) {
		t.Fatalf("left %v", got)
	}
}

func TestParseKeyValues(t *testing.T) {
	m, err := ParseKeyValues("--label", []string{"a=1", "b", "c=x=y"}, true)
	if err != nil || !reflect.DeepEqual(m, map[string]string{"a": "1", "b": "", "c": "x=y"}) {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := ParseKeyValues("-o", []string{"type"}, false); err == nil || err.Error() != `-o "type": want KEY=VALUE` {
		t.Fatalf("%v", err)
	}
	if _, err := ParseKeyValues("--label", []string{"=x"}, true); err == nil {
		t.Fatal("empty key accepted")
	}
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
}

// storeLockFile is the store's lock file (package record's name for it).
const storeLockFile = ".lock"
