package record

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiffproject/skiff/proc"
)

// The test binary re-executes itself in these roles (RECORD_TEST_ROLE): a writer that stops at a crash
// point until it is killed, and a writer that increments a counter record under its lock.
const roleEnv = "RECORD_TEST_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "":
		os.Exit(m.Run())
	case "crash":
		// Args: PATH STEP DATA. Stop at STEP, say so, and wait for the kill.
		path, step, data := os.Args[1], os.Args[2], os.Args[3]
		crashPoint = func(s string) {
			if s == step {
				fmt.Println("at", s)
				time.Sleep(time.Hour)
			}
		}
		if err := WriteFile(path, []byte(data), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "increment":
		// Args: DIR ID N.
		n, _ := strconv.Atoi(os.Args[3])
		if err := increment(New[counter](os.Args[1], Options{NoSync: true}), os.Args[2], n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, "unknown role", os.Getenv(roleEnv))
	os.Exit(2)
}

type counter struct {
	N    int    `json:"n"`
	Note string `json:"note,omitempty"`
}

// increment adds 1 to record id n times, each under the record's lock.
func increment(s *Store[counter], id string, n int) error {
	for range n {
		l, err := s.Lock(id)
		if err != nil {
			return err
		}
		c, err := s.Get(id)
		if errors.Is(err, fs.ErrNotExist) {
			c, err = &counter{}, nil
		}
		if err == nil {
			c.N++
			err = s.Put(id, c)
		}
		l.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// helper starts the test binary in role with args.
func helper(t *testing.T, role string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "record-test-" + role
	cmd.Env = append(os.Environ(), roleEnv+"="+role)
	return cmd
}

// killAt runs a writer of data to path and kills it with SIGKILL at step.
func killAt(t *testing.T, path, step, data string) {
	t.Helper()
	cmd := helper(t, "crash", path, step, data)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "at "+step {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("writer did not reach %s: %q %v: %s", step, line, err, stderr.String())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// deadTemp is the name of a temporary file of base written by a process that no longer runs: this
// process's PID with another start time.
func deadTemp(base string) string {
	self := proc.Self()
	return fmt.Sprintf("%s%d-%d-0123456789ab.%s", tmpPrefix, self.PID, self.Start+1, base)
}

func temps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if IsTemp(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		write  func(string, []byte, fs.FileMode) error
		perm   fs.FileMode
		exists bool
	}{
		{"new file", WriteFile, 0o600, false},
		{"replace", WriteFile, 0o644, true},
		{"replace without sync", WriteFileNoSync, 0o640, true},
		{"replace with a stream", writeStream, 0o400, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if tc.exists {
				if err := os.WriteFile(path, []byte("old content, longer than the new"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.write(path, []byte("new"), tc.perm); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != "new" {
				t.Fatalf("content %q, %v", b, err)
			}
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != tc.perm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tc.perm)
			}
			if left := temps(t, dir); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x"), nil, 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("write into a missing directory: %v", err)
	}
	// A stream that fails leaves the old file, and its error is returned as it is.
	errFill := errors.New("archive failed")
	path := filepath.Join(dir, "replace")
	err := WriteStream(path, 0o600, func(w io.Writer) error {
		_, _ = w.Write([]byte("partial"))
		return errFill
	})
	if !errors.Is(err, errFill) || err.Error() != errFill.Error() {
		t.Errorf("failed stream: %v, want its own error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("a failed stream changed the file: %q", b)
	}
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func writeStream(path string, data []byte, perm fs.FileMode) error {
	return WriteStream(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// TestRepairAfterKill kills writers at each step of a write, and leaves what killed writers leave, then
// checks that readers see a whole record and that Repair clears exactly the leftovers.
func TestRepairAfterKill(t *testing.T) {
	old := &counter{N: 1, Note: "old"}
	for _, tc := range []struct {
		name   string
		nested bool
		// crash kills a writer of the record (path) or leaves what it would.
		crash          func(t *testing.T, s *Store[counter], path string)
		want           *counter // the record after the crash
		wantRemoved    int
		wantIncomplete []string
		wantTemps      int // temporary files left after Repair
	}{
		{
			name:        "killed between write and rename",
			crash:       func(t *testing.T, _ *Store[counter], path string) { killAt(t, path, "written", `{"n":2}`) },
			want:        old,
			wantRemoved: 1,
		},
		{
			name:        "killed between write and rename, record in its own directory",
			nested:      true,
			crash:       func(t *testing.T, _ *Store[counter], path string) { killAt(t, path, "written", `{"n":2}`) },
			want:        old,
			wantRemoved: 1,
		},
		{
			name:  "killed after the rename",
			crash: func(t *testing.T, _ *Store[counter], path string) { killAt(t, path, "renamed", `{"n":2}`) },
			want:  &counter{N: 2},
		},
		{
			name: "truncated temporary file",
			crash: func(t *testing.T, _ *Store[counter], path string) {
				tmp := filepath.Join(filepath.Dir(path), deadTemp(filepath.Base(path)))
				if err := os.WriteFile(tmp, []byte(`{"n":3,"no`), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:        old,
			wantRemoved: 1,
		},
		{
			name: "temporary file of a live writer",
			crash: func(t *testing.T, _ *Store[counter], path string) {
				tmp := filepath.Join(filepath.Dir(path), tmpName(filepath.Base(path)))
				if err := os.WriteFile(tmp, []byte(`{"n":4}`), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:      old,
			wantTemps: 1,
		},
		{
			name: "an older skiff's temporary files",
			crash: func(t *testing.T, _ *Store[counter], path string) {
				dir := filepath.Dir(path)
				for name, age := range map[string]time.Duration{".tmp-a.json123": 2 * time.Hour, ".tmp-a.json456": time.Minute} {
					p := filepath.Join(dir, name)
					if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
						t.Fatal(err)
					}
					at := time.Now().Add(-age)
					if err := os.Chtimes(p, at, at); err != nil {
						t.Fatal(err)
					}
				}
			},
			want:        old,
			wantRemoved: 1,
			wantTemps:   1,
		},
		{
			name:   "record directory without its record",
			nested: true,
			crash: func(t *testing.T, s *Store[counter], _ string) {
				if err := os.MkdirAll(filepath.Join(s.Dir(), "half", "data"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(s.Dir(), "half", deadTemp("meta.json")), []byte("{"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:           old,
			wantRemoved:    1,
			wantIncomplete: []string{"half"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o Options
			if tc.nested {
				o.File = "meta.json"
			}
			s := New[counter](t.TempDir(), o)
			if tc.nested {
				if err := os.Mkdir(filepath.Join(s.Dir(), "a"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Put("a", old); err != nil {
				t.Fatal(err)
			}
			tc.crash(t, s, s.Path("a"))
			got, err := s.Get("a")
			if err != nil || *got != *tc.want {
				t.Fatalf("record after the crash = %+v, %v; want %+v", got, err, tc.want)
			}
			r, err := s.Repair()
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Removed) != tc.wantRemoved || strings.Join(r.Incomplete, ",") != strings.Join(tc.wantIncomplete, ",") {
				t.Errorf("Repair = %+v, want %d removed, incomplete %v", r, tc.wantRemoved, tc.wantIncomplete)
			}
			if left := temps(t, filepath.Dir(s.Path("a"))); len(left) != tc.wantTemps {
				t.Errorf("temporary files after Repair: %v, want %d", left, tc.wantTemps)
			}
			ids, incomplete, err := s.List()
			if err != nil || strings.Join(ids, ",") != "a" || len(incomplete) != len(tc.wantIncomplete) {
				t.Errorf("List = %v %v %v", ids, incomplete, err)
			}
			if tc.nested && len(tc.wantIncomplete) > 0 {
				if _, err := os.Stat(filepath.Join(s.Dir(), tc.wantIncomplete[0], "data")); err != nil {
					t.Errorf("Repair touched an incomplete record: %v", err)
				}
			}
		})
	}
}

func TestStore(t *testing.T) {
	s := New[counter](t.TempDir(), Options{})
	if _, err := s.Get("x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("get of a missing record: %v", err)
	}
	for _, id := range []string{"", ".hidden", "a/b", ".."} {
		if err := s.Put(id, &counter{}); !errors.Is(err, ErrBadID) {
			t.Errorf("put %q: %v", id, err)
		}
		if _, err := s.Get(id); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("get %q: %v", id, err)
		}
	}
	for i, id := range []string{"b", "a", "c"} {
		if err := s.Put(id, &counter{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.Path("bad"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("bad"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("get of a corrupt record: %v", err)
	}
	if err := s.Delete("bad"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("bad"); err != nil {
		t.Errorf("delete of a missing record: %v", err)
	}
	l, err := s.LockAll()
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	l.Unlock() // released twice: nothing
	ids, recs, err := s.All()
	if err != nil || strings.Join(ids, ",") != "a,b,c" || recs[0].N != 1 {
		t.Errorf("All = %v %v %v (the store's lock and temporary files are not records)", ids, recs, err)
	}
	if fi, err := os.Stat(s.Path("a")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode: %v %v", fi, err)
	}
}

// TestConcurrentWriters increments one record from goroutines and from two other processes at once:
// the record's lock must never let an update be lost.
func TestConcurrentWriters(t *testing.T) {
	const goroutines, perGoroutine, processes, perProcess = 4, 25, 2, 50
	dir := t.TempDir()
	s := New[counter](dir, Options{NoSync: true})
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range processes {
		cmd := helper(t, "increment", dir, "c", strconv.Itoa(perProcess))
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- increment(s, "c", perGoroutine)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer process: %v: %s", err, outs[i])
		}
	}
	c, err := s.Get("c")
	if err != nil {
		t.Fatal(err)
	}
	if want := goroutines*perGoroutine + processes*perProcess; c.N != want {
		t.Errorf("counter = %d, want %d: updates were lost", c.N, want)
	}
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
