package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiffproject/skiff/record"
)

// DriverFile is the only driver.
const DriverFile = "file"

// maxSize is Podman's limit on a secret's data.
const maxSize = 512000

var (
	// ErrNoSuchSecret: no secret has that name or ID.
	ErrNoSuchSecret = errors.New("no such secret")
	// ErrSecretExists: the name is taken.
	ErrSecretExists = errors.New("secret name in use")
	// ErrInvalid: a bad name or data.
	ErrInvalid = errors.New("invalid secret")
)

// Secret is a secret's metadata.
type Secret struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// Store is the user's secrets.
type Store struct{ dir string }

// New opens the secrets under graphRoot (the storage root).
func New(graphRoot string) *Store { return &Store{dir: filepath.Join(graphRoot, "secrets")} }

func (s *Store) dataDir() string           { return filepath.Join(s.dir, "filedriver") }
func (s *Store) metaFile() string          { return filepath.Join(s.dir, "secrets.json") }
func (s *Store) dataFile(id string) string { return filepath.Join(s.dataDir(), id) }

// ValidateName checks a secret name as Podman does: 1 to 253 characters, [a-zA-Z0-9][a-zA-Z0-9_.-]*,
// no slash (the name is a file name under /run/secrets).
func ValidateName(name string) error {
	if name == "" || len(name) > 253 {
		return fmt.Errorf("secret name %q: must be 1 to 253 characters: %w", name, ErrInvalid)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '_' || r == '.' || r == '-'))
		if !ok {
			return fmt.Errorf("secret name %q: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: %w", name, ErrInvalid)
		}
	}
	return nil
}

// lock takes the store's lock, creating the directories, and clears what killed writes left.
func (s *Store) lock() (func(), error) {
	if err := os.MkdirAll(s.dataDir(), 0o700); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	l, err := record.Acquire(filepath.Join(s.dir, "secrets.lock"))
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	for _, d := range []string{s.dir, s.dataDir()} {
		if _, err := record.Sweep(d); err != nil {
			l.Unlock()
			return nil, fmt.Errorf("secrets: %w", err)
		}
	}
	return l.Unlock, nil
}

func (s *Store) read() (map[string]Secret, error) {
	m := map[string]Secret{}
	err := record.ReadJSON(s.metaFile(), &m)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return m, nil
}

func (s *Store) write(m map[string]Secret) error {
	if err := record.WriteJSON(s.metaFile(), m, 0o600); err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	return nil
}

// find resolves a name, an ID or a unique ID prefix.
func find(m map[string]Secret, nameOrID string) (Secret, error) {
	for _, sec := range m {
		if sec.Name == nameOrID || sec.ID == nameOrID {
			return sec, nil
		}
	}
	var hits []Secret
	for _, sec := range m {
		if len(nameOrID) >= 3 && strings.HasPrefix(sec.ID, nameOrID) {
			hits = append(hits, sec)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	return Secret{}, fmt.Errorf("no secret with name or id %q: %w", nameOrID, ErrNoSuchSecret)
}

// CreateOptions describe a new secret.
type CreateOptions struct {
	Driver  string // "" = file
	Labels  map[string]string
	Replace bool // replace a secret of the same name
}

// Create stores a secret called name holding data.
func (s *Store) Create(name string, data []byte, o CreateOptions) (Secret, error) {
	if err := ValidateName(name); err != nil {
		return Secret{}, err
	}
	if o.Driver != "" && o.Driver != DriverFile {
		return Secret{}, fmt.Errorf("secret driver %q: only %q is supported: %w", o.Driver, DriverFile, ErrInvalid)
	}
	if len(data) == 0 {
		return Secret{}, fmt.Errorf("secret %s: no data: %w", name, ErrInvalid)
	}
	if len(data) > maxSize {
		return Secret{}, fmt.Errorf("secret %s: %d bytes, more than the %d allowed: %w", name, len(data), maxSize, ErrInvalid)
	}
	unlock, err := s.lock()
	if err != nil {
		return Secret{}, err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return Secret{}, err
	}
	now := time.Now()
	sec := Secret{Name: name, Driver: DriverFile, Labels: o.Labels, CreatedAt: now, UpdatedAt: now}
	if old, err := find(m, name); err == nil && old.Name == name {
		if !o.Replace {
			return Secret{}, fmt.Errorf("%s: %w (hint: remove it with skiff secret rm %s, or use --replace)", name, ErrSecretExists, name)
		}
		sec.ID, sec.CreatedAt = old.ID, old.CreatedAt
	} else {
		b := make([]byte, 13)
		if _, err := rand.Read(b); err != nil {
			return Secret{}, err
		}
		sec.ID = hex.EncodeToString(b)[:25] // Podman's IDs are 25 hex digits
	}
	if err := record.WriteFile(s.dataFile(sec.ID), data, 0o600); err != nil {
		return Secret{}, fmt.Errorf("secret %s: write data: %w", name, err)
	}
	m[sec.ID] = sec
	if err := s.write(m); err != nil {
		return Secret{}, err
	}
	return sec, nil
}

// List returns every secret, by name.
func (s *Store) List() ([]Secret, error) {
	m, err := s.read()
	if err != nil {
		return nil, err
	}
	out := make([]Secret, 0, len(m))
	for _, sec := range m {
		out = append(out, sec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get finds a secret by name, ID or ID prefix.
func (s *Store) Get(nameOrID string) (Secret, error) {
	m, err := s.read()
	if err != nil {
		return Secret{}, err
	}
	return find(m, nameOrID)
}

// Data returns the data of the secret with ID id.
func (s *Store) Data(id string) ([]byte, error) {
	b, err := os.ReadFile(s.dataFile(id))
	if err != nil {
		return nil, fmt.Errorf("secret %s: read data: %w", id, err)
	}
	return b, nil
}

// Remove deletes a secret. inUse, if not nil, names a container that uses it, which refuses the removal.
func (s *Store) Remove(nameOrID string, inUse func(id string) string) (Secret, error) {
	unlock, err := s.lock()
	if err != nil {
		return Secret{}, err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return Secret{}, err
	}
	sec, err := find(m, nameOrID)
	if err != nil {
		return Secret{}, err
	}
	if inUse != nil {
		if c := inUse(sec.ID); c != "" {
			return Secret{}, fmt.Errorf("remove secret %s: in use by container %s (hint: remove the container first)", sec.Name, c)
		}
	}
	delete(m, sec.ID)
	if err := s.write(m); err != nil {
		return Secret{}, err
	}
	if err := os.Remove(s.dataFile(sec.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return sec, fmt.Errorf("remove secret %s: %w", sec.Name, err)
	}
	return sec, nil
}

// DataPath is where the file driver keeps a secret's data (Podman shows it as the driver's path option).
func (s *Store) DataPath() string { return s.dataDir() }
