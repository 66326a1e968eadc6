package oci

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

var (
	// ErrNotFound: no runtime binary of that name, or none at all.
	ErrNotFound = errors.New("OCI runtime not found")
	// ErrUnusable: the runtime exists but cannot run containers on this host.
	ErrUnusable = errors.New("OCI runtime cannot run containers on this host")
	// ErrNotExist: the runtime does not know the container.
	ErrNotExist = errors.New("container does not exist")
	// ErrNotRunning: the container has no running process (it is created, stopped, or gone).
	ErrNotRunning = errors.New("container not running")
	// ErrNoCgroup: the operation needs a cgroup the container does not have.
	ErrNoCgroup = errors.New("pause/unpause of a rootless container requires cgroup v2 delegation")
)

// Runtime is an OCI runtime binary and the state directory it keeps its containers in.
type Runtime struct {
	Name      string // "crun", "runc", or the base name of the binary given as a path
	Path      string // absolute path of the binary
	StateRoot string // the runtime's --root

	kind        string // kindCrun, kindRunc or kindOther: which flags it takes
	cgroups     bool   // whether containers get a cgroup (not rootless); pause and resume need one
	hideCgroup2 bool   // crun on a hybrid host, rootless: see HidesCgroup2

	versionOnce sync.Once
	version     string
}

const (
	kindCrun  = "crun"
	kindRunc  = "runc"
	kindOther = "oci"
)

// searchDirs are tried after $PATH: runc lives in /usr/sbin on Debian, which a user's PATH often lacks.
var searchDirs = []string{"/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"}

// Find returns the runtime to use.
//
// name is --runtime: "" for the default, a name ("crun", "runc", or one from [engine.runtimes] in
// containers.conf, which lists the paths to try), or an absolute path. The default is [engine] runtime
// from containers.conf if set, else crun if it is installed and can work here, else runc. A crun that
// cannot work here (see crunHybridRefusal) is skipped with a debug line when it was only the default
// choice; asked for by name or by containers.conf, it is an error wrapping ErrUnusable that says so and
// suggests --runtime runc.
//
// stateRoot is the runtime's --root; "" means <runtime dir>/skiff/<name>, the runtime dir being the
// one the user namespace set up ($_SKIFF_RUNTIME_DIR), else $XDG_RUNTIME_DIR, else /run for root.
func Find(name, stateRoot string) (*Runtime, error) {
	confName, confSource, confPaths, err := loadConf()
	if err != nil {
		return nil, err
	}
	how := "--runtime " + name
	if name == "" && confName != "" {
		name, how = confName, fmt.Sprintf("runtime = %q in %s", confName, confSource)
	}

	var r *Runtime
	if name != "" {
		if r, err = lookup(name, confPaths[name]); err != nil {
			return nil, err
		}
		if reason := r.refusal(); reason != "" {
			return nil, fmt.Errorf("%s (%s): %s; use --runtime runc: %w", r.Name, how, reason, ErrUnusable)
		}
	} else {
		for _, n := range []string{"crun", "runc"} {
			c, err := lookup(n, confPaths[n])
			if err != nil {
				logrus.Debugf("OCI runtime %s: %v", n, err)
				continue
			}
			if reason := c.refusal(); reason != "" {
				logrus.Debugf("OCI runtime %s at %s skipped: %s", c.Name, c.Path, reason)
				continue
			}
			r = c
			break
		}
		if r == nil {
			return nil, fmt.Errorf("no usable OCI runtime (install crun or runc): %w", ErrNotFound)
		}
	}

	r.StateRoot = stateRoot
	if r.StateRoot == "" {
		r.StateRoot = filepath.Join(runtimeDir(), "skiff", r.Name)
	}
	r.cgroups = !rootless()
	logrus.Debugf("OCI runtime %s at %s, state in %s", r.Name, r.Path, r.StateRoot)
	return r, nil
}

// lookup finds the binary for a runtime name or path.
func lookup(name string, confPaths []string) (*Runtime, error) {
	if strings.ContainsRune(name, '/') {
		if !filepath.IsAbs(name) {
			return nil, fmt.Errorf("OCI runtime %q: a path must be absolute: %w", name, ErrNotFound)
		}
		if err := executable(name); err != nil {
			return nil, fmt.Errorf("OCI runtime %s: %w", name, errors.Join(ErrNotFound, err))
		}
		return newRuntime(filepath.Base(name), name), nil
	}
	for _, p := range confPaths {
		if executable(p) == nil {
			return newRuntime(name, p), nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return newRuntime(name, abs), nil
		}
	}
	for _, d := range searchDirs {
		if p := filepath.Join(d, name); executable(p) == nil {
			return newRuntime(name, p), nil
		}
	}
	return nil, fmt.Errorf("OCI runtime %q: not in $PATH, %s or containers.conf [engine.runtimes]: %w",
		name, strings.Join(searchDirs, ", "), ErrNotFound)
}

// executable checks that path is a regular file someone may execute.
func executable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

func newRuntime(name, path string) *Runtime {
	r := &Runtime{Name: name, Path: path, kind: kindOther}
	switch base := filepath.Base(path); {
	case strings.HasPrefix(base, "crun"), base == "krun":
		r.kind = kindCrun
	case strings.HasPrefix(base, "runc"):
		r.kind = kindRunc
	}
	return r
}

// refusal says why the runtime cannot work on this host, or "". crun on a hybrid host works rootless,
// where it manages no cgroup: the monitor hides the cgroup2 hierarchy from it (HidesCgroup2).
func (r *Runtime) refusal() string {
	if r.kind != kindCrun {
		return ""
	}
	reason := crunHybridRefusal()
	if reason != "" && rootless() {
		r.hideCgroup2 = true
		return ""
	}
	return reason
}

// HidesCgroup2 reports whether the runtime's create and exec must run with /sys/fs/cgroup/unified
// hidden: crun refuses hybrid hosts whose cgroup2 hierarchy has controllers before it looks at
// --cgroup-manager=disabled, and sees a cgroup v1 host, which it supports, without it.
func (r *Runtime) HidesCgroup2() bool { return r.hideCgroup2 }

// Version returns the first line of the runtime's --version output, such as "runc version 1.1.5+ds1",
// or "" if it cannot be run. It runs the binary once per Runtime.
func (r *Runtime) Version() string {
	r.versionOnce.Do(func() {
		out, err := exec.Command(r.Path, "--version").Output()
		if err != nil {
			logrus.Debugf("%s --version: %v", r.Path, err)
			return
		}
		r.version, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	})
	return r.version
}

// rootless reports whether this process runs in a user namespace other than the initial one (or as
// an unprivileged user), where containers get no cgroup.
var rootless = func() bool {
	if os.Geteuid() != 0 {
		return true
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	return !(len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295")
}

// runtimeDir returns the user's runtime directory, as the user namespace set it up.
func runtimeDir() string {
	for _, env := range []string{"_SKIFF_RUNTIME_DIR", "XDG_RUNTIME_DIR"} {
		if d := os.Getenv(env); d != "" {
			return d
		}
	}
	if !rootless() {
		return "/run"
	}
	return filepath.Join(os.TempDir(), "skiff-run-"+strconv.Itoa(hostUID()))
}

// hostUID is the invoking user's uid as the host sees it, inside the user namespace too.
func hostUID() int {
	if id, err := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_UID")); err == nil {
		return id
	}
	return os.Geteuid()
}
