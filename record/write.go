package record

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skiffproject/skiff/proc"
)

// tmpPrefix starts the name of every temporary file a write makes.
const tmpPrefix = ".tmp-"

// foreignTmpAge is how old a temporary file that this package did not name (an older skiff's) must be
// before Sweep takes it for a leftover.
const foreignTmpAge = time.Hour

// crashPoint marks the steps of a write where a killed writer must leave the old content; the tests kill
// a writer there.
var crashPoint = func(step string) {}

// WriteFile replaces the file at path with data, atomically and durably: the data goes to a temporary file
// in the same directory, which is synced and renamed over path, and then the directory is synced. A killed
// writer or a crash of the machine leaves the old content or the new one, never a mix; a killed writer's
// temporary file is left for [Sweep].
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, true)
}

// WriteFileNoSync is WriteFile without the two syncs: a killed writer still leaves the old content or the
// new one, but a crash of the machine may lose the last write. It is for state rewritten at every start
// and stop of a container, which the next command repairs from what is left (the syncs cost about 5 ms a
// write on the project's test machine).
func WriteFileNoSync(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, false)
}

// WriteStream is WriteFile for content that fill writes (an archive, a copy): what fill writes replaces
// path only if fill returns nil; otherwise path is left as it was and fill's error is returned as it is.
func WriteStream(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	return writeWith(path, perm, true, fill)
}

// WriteJSON encodes v as indented JSON and writes it with WriteFile.
func WriteJSON(path string, v any, perm fs.FileMode) error {
	b, err := encode(path, v)
	if err != nil {
		return err
	}
	return WriteFile(path, b, perm)
}

func encode(path string, v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", path, err)
	}
	return append(b, '\n'), nil
}

// ReadJSON decodes the JSON file at path into v. A missing file wraps fs.ErrNotExist; a file that does
// not decode wraps ErrCorrupt.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err // an *fs.PathError, which names the path
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("read %s: %w: %w", path, ErrCorrupt, err)
	}
	return nil
}

// ErrCorrupt: a record that does not decode.
var ErrCorrupt = errors.New("corrupt record")

func write(path string, data []byte, perm fs.FileMode, sync bool) error {
	return writeWith(path, perm, sync, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeWith is the one implementation of an atomic write.
func writeWith(path string, perm fs.FileMode, sync bool, fill func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp := filepath.Join(dir, tmpName(base))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = fill(f); err != nil {
		f.Close()
		return err // fill's own error, as it is: it names what failed
	}
	if err == nil {
		err = f.Chmod(perm) // perm as given, whatever the umask
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	crashPoint("written")
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	crashPoint("renamed")
	if sync {
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// tmpName names a temporary file for base after this process: .tmp-PID-START-RANDOM.BASE.
func tmpName(base string) string {
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	self := proc.Self()
	return tmpPrefix + strconv.Itoa(self.PID) + "-" + strconv.FormatUint(self.Start, 10) + "-" + hex.EncodeToString(r) + "." + base
}

// IsTemp reports whether name is the name of a temporary file of a write.
func IsTemp(name string) bool { return strings.HasPrefix(name, tmpPrefix) }

// writer returns the process that made the temporary file name, and whether the name says.
func writer(name string) (proc.Identity, bool) {
	f := strings.SplitN(strings.TrimPrefix(name, tmpPrefix), "-", 3)
	if len(f) != 3 {
		return proc.Identity{}, false
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return proc.Identity{}, false
	}
	return proc.Identity{PID: pid, Start: start}, true
}

// Sweep removes the temporary files in dir that killed writers left: those whose writer no longer runs,
// and those of another naming (an older skiff's) after an hour. It returns the names removed; a missing
// dir has none.
func Sweep(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", dir, err)
	}
	var removed []string
	for _, e := range entries {
		if !IsTemp(e.Name()) || e.IsDir() {
			continue
		}
		if w, ok := writer(e.Name()); ok {
			if w.Alive() {
				continue // a write in progress
			}
		} else if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < foreignTmpAge {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("sweep %s: %w", dir, err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}
