package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestStore(t *testing.T) {
	s := New(t.TempDir())
	sec, err := s.Create("db", []byte("pw"), CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("db", []byte("pw2"), CreateOptions{}); !errors.Is(err, ErrSecretExists) {
		t.Fatalf("a second create of db: %v, want ErrSecretExists", err)
	}
	st, err := os.Stat(filepath.Join(s.DataPath(), sec.ID))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("data file: %v %v, want mode 0600", st, err)
	}
	for _, ref := range []string{"db", sec.ID, sec.ID[:5]} {
		got, err := s.Get(ref)
		if err != nil || got.ID != sec.ID {
			t.Fatalf("Get(%q) = %+v, %v", ref, got, err)
		}
	}
	again, err := s.Create("db", []byte("pw2"), CreateOptions{Replace: true})
	if err != nil || again.ID != sec.ID {
		t.Fatalf("replace: %+v, %v", again, err)
	}
	if b, _ := s.Data(sec.ID); string(b) != "pw2" {
		t.Fatalf("data after replace: %q", b)
	}
	if _, err := s.Remove("db", func(string) string { return "web" }); err == nil {
		t.Fatal("removed a secret in use")
	}
	if _, err := s.Remove("db", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("db"); !errors.Is(err, ErrNoSuchSecret) {
		t.Fatalf("Get after Remove: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.DataPath(), sec.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("data file left after Remove: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for name, ok := range map[string]bool{"db": true, "db.pass-1_x": true, "": false, "a/b": false, "-x": false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok %v", name, err, ok)
		}
	}
	if _, err := New(t.TempDir()).Create("x", nil, CreateOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty data: %v", err)
	}
}
