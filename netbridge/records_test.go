package netbridge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/record"
)

// storeWith opens a store in a new graph root holding nets as they are (IDs included).
func storeWith(t *testing.T, nets ...*Network) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		if err := s.save(n); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestGet(t *testing.T) {
	s := storeWith(t,
		&Network{Name: "web", ID: "abc111", NetworkInterface: "skiffbr0"},
		&Network{Name: "db", ID: "abc222", NetworkInterface: "skiffbr1"},
		&Network{Name: "abc", ID: "fff000", NetworkInterface: "skiffbr2"},
	)
	for _, tc := range []struct {
		nameOrID string
		want     string // the name found
		wantErr  error
	}{
		{"web", "web", nil},
		{"abc111", "web", nil},
		{"abc2", "db", nil},
		{"abc", "abc", nil}, // a name before an ID prefix
		{"ab", "", ErrInvalid},
		{"fff", "abc", nil},
		{"nope", "", ErrNoSuchNetwork},
		{"", "", ErrNoSuchNetwork},
		{"../web", "", ErrNoSuchNetwork},
	} {
		t.Run(tc.nameOrID, func(t *testing.T) {
			n, err := s.Get(tc.nameOrID)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Get = %+v, %v; want %v", n, err, tc.wantErr)
				}
				return
			}
			if err != nil || n.Name != tc.want {
				t.Fatalf("Get = %+v, %v; want %s", n, err, tc.want)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"web", true}, {"a.b_c-d", true}, {"0net", true}, {strings.Repeat("n", 200), true},
		{"", false}, {".hidden", false}, {"-x", false}, {"a/b", false}, {"a b", false}, {strings.Repeat("n", 201), false},
	} {
		if err := ValidateName(tc.name); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("ValidateName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestNextNames(t *testing.T) {
	for _, tc := range []struct {
		nets         []*Network
		name, bridge string
	}{
		{nil, "skiff1", "skiffbr0"},
		{[]*Network{{Name: "skiff1", NetworkInterface: "skiffbr0"}}, "skiff2", "skiffbr1"},
		{[]*Network{{Name: "skiff2", NetworkInterface: "skiffbr1"}, {Name: "web", NetworkInterface: "skiffbr0"}}, "skiff1", "skiffbr2"},
		{[]*Network{{Name: "skiff1", NetworkInterface: "skiffbr2"}}, "skiff2", "skiffbr0"},
	} {
		if got, gotBr := nextName(tc.nets), nextInterface(tc.nets); got != tc.name || gotBr != tc.bridge {
			t.Errorf("with %d networks: %s %s, want %s %s", len(tc.nets), got, gotBr, tc.name, tc.bridge)
		}
	}
}

// TestStoreRecords checks what the store keeps on disk: records another Store of the same graph root
// reads, leftovers of a killed writer that no listing shows and the next change removes, and a corrupt
// record that is reported, not skipped.
func TestStoreRecords(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	noRoutes := []*net.IPNet{}
	a, err := s.Create(CreateOptions{Name: "a", HostRoutes: noRoutes, Labels: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := other.Get("a")
	if err != nil || got.ID != a.ID || got.Subnets[0] != a.Subnets[0] || got.Labels["k"] != "v" || !got.Created.Equal(a.Created) {
		t.Fatalf("record read back = %+v, %v; want %+v", got, err, a)
	}
	if _, err := os.Stat(filepath.Join(root, "skiff", "networks", "a.json")); err != nil {
		t.Errorf("record file: %v", err)
	}

	// A writer killed between write and rename left its temporary file.
	self := proc.Self()
	leftover := filepath.Join(s.Dir(), fmt.Sprintf(".tmp-%d-%d-000000000000.b.json", self.PID, self.Start+1))
	if err := os.WriteFile(leftover, []byte(`{"name":"b"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if all, err := s.List(); err != nil || len(all) != 1 {
		t.Fatalf("List with a leftover = %d networks, %v; want only a", len(all), err)
	}
	if _, err := s.Create(CreateOptions{Name: "b", HostRoutes: noRoutes}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the next change kept the killed writer's file: %v", err)
	}

	if err := os.WriteFile(filepath.Join(s.Dir(), "c.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(); !errors.Is(err, record.ErrCorrupt) || !strings.Contains(err.Error(), "c.json") {
		t.Errorf("List with a corrupt record = %v, want ErrCorrupt naming c.json", err)
	}
	if _, err := s.Get("c"); !errors.Is(err, record.ErrCorrupt) {
		t.Errorf("Get of a corrupt record = %v", err)
	}
}

func TestRemove(t *testing.T) {
	for _, tc := range []struct {
		name        string
		users       []string
		force       bool
		removeUsers bool
		wantErr     error
		wantRemoved []string // containers RemoveUsers was asked to remove
	}{
		{name: "unused"},
		{name: "in use", users: []string{"db"}, wantErr: ErrInUse},
		{name: "in use, forced", users: []string{"db", "app"}, force: true, removeUsers: true, wantRemoved: []string{"db", "app"}},
		{name: "in use, forced, no way to remove containers", users: []string{"db"}, force: true, wantErr: ErrInUse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storeWith(t, &Network{Name: "net", ID: "0123"})
			var removed []string
			s.Users = func(string) ([]string, error) { return tc.users, nil }
			if tc.removeUsers {
				s.RemoveUsers = func(names []string) error { removed = append(removed, names...); return nil }
			}
			name, err := s.Remove("01", tc.force)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Remove = %q, %v; want %v", name, err, tc.wantErr)
				}
				if ok, _ := s.Exists("net"); !ok {
					t.Error("a refused Remove removed the network")
				}
				return
			}
			if err != nil || name != "net" {
				t.Fatalf("Remove = %q, %v", name, err)
			}
			if ok, _ := s.Exists("net"); ok {
				t.Error("the network is still there")
			}
			if strings.Join(removed, ",") != strings.Join(tc.wantRemoved, ",") {
				t.Errorf("removed containers %v, want %v", removed, tc.wantRemoved)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	s := storeWith(t)
	n, err := s.Default()
	if err != nil || n.Name != DefaultNetwork || n.Subnets[0].Subnet != defaultSubnet {
		t.Fatalf("Default = %+v, %v; want %s on %s", n, err, DefaultNetwork, defaultSubnet)
	}
	if again, err := s.Default(); err != nil || again.ID != n.ID {
		t.Fatalf("second Default = %+v, %v; want the same network", again, err)
	}
	// Podman's subnet taken by another network: the default one goes to the pool.
	s = storeWith(t, &Network{Name: "mine", ID: "1", Subnets: []Subnet{{Subnet: "10.88.0.0/24", Gateway: "10.88.0.1"}}})
	n, err = s.Default()
	if err != nil {
		t.Fatal(err)
	}
	_, pool, _ := net.ParseCIDR(DefaultPool)
	if sn, _, err := n.prefix(); err != nil || !pool.Contains(sn.IP) {
		t.Errorf("Default with 10.88.0.0/24 taken = %+v, %v; want a subnet of %s", n.Subnets, err, DefaultPool)
	}
}
