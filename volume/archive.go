package volume

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/containers/storage/pkg/archive"
)

// dataOf returns the directory that holds volume name's content, refusing a volume whose content lives
// in a mount of its own (-o type=…, device=…), which exists only while a container uses it.
func (s *Store) dataOf(verb, name string) (string, error) {
	v, err := s.Get(name)
	if err != nil {
		return "", fmt.Errorf("volume %s %s: %w", verb, name, err)
	}
	if v.Options["type"] != "" || v.Options["device"] != "" {
		return "", fmt.Errorf("volume %s %s: its content is a %s mount made while a container uses it; %s works on volumes without -o type/device: %w",
			verb, name, v.Options["type"], verb, ErrInvalid)
	}
	return filepath.Join(s.path(v.Name), dataDir), nil
}

// Export writes the content of volume name to w as a tar stream (`volume export`).
func (s *Store) Export(name string, w io.Writer) error {
	dir, err := s.dataOf("export", name)
	if err != nil {
		return err
	}
	rc, err := archive.Tar(dir, archive.Uncompressed)
	if err != nil {
		return fmt.Errorf("volume export %s: %w", name, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("volume export %s: %w", name, err)
	}
	return nil
}

// Import unpacks the tar stream r (plain or compressed) into volume name, over its current content
// (`volume import`).
func (s *Store) Import(name string, r io.Reader) error {
	dir, err := s.dataOf("import", name)
	if err != nil {
		return err
	}
	if err := archive.Untar(r, dir, &archive.TarOptions{}); err != nil {
		return fmt.Errorf("volume import %s: %w", name, err)
	}
	return nil
}

// Mountpoint returns where volume name's content is, for `volume mount`: its directory (a volume
// without -o type/device is not a mount of its own, so there is nothing to mount).
func (s *Store) Mountpoint(name string) (string, error) {
	return s.dataOf("mount", name)
}
