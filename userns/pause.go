package userns

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containers/storage/pkg/ioutils"
	"github.com/containers/storage/pkg/lockfile"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// BeforeExec runs just before skiff re-executes itself into the user namespace: a caller that holds
// output back (cmd/skiff holds warnings until its first line of output) writes it here, or it is lost.
var BeforeExec = func() {}

// Enter makes sure the process runs inside the user's namespace. Outside it, it creates the pause
// process if there is no live one and re-executes the current command, whose constructor then joins; so
// on success it does not return. Root and processes already inside return nil at once.
func Enter() error {
	if Inside() || !Rootless() {
		return nil
	}
	if reexeced {
		msg := joinError
		if msg == "" {
			msg = "pause process " + PausePIDFile() + " vanished"
		}
		return fmt.Errorf("enter user namespace: %s (hint: remove %s and retry)", msg, PausePIDFile())
	}
	if err := ensureRuntimeDir(RuntimeDir(), os.Geteuid()); err != nil {
		return err
	}
	if err := ensurePause(); err != nil {
		return err
	}
	env := append(os.Environ(), "_SKIFF_REEXEC=1")
	BeforeExec()
	if err := syscall.Exec("/proc/self/exe", os.Args, env); err != nil {
		return fmt.Errorf("re-execute skiff to join the user namespace: %w", err)
	}
	return nil
}

// ensureRuntimeDir creates dir (mode 0700) when missing and refuses one that another user owns or that
// others can enter: it holds the pause PID, locks and sockets.
func ensureRuntimeDir(dir string, uid int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create runtime directory %s: %w (hint: set XDG_RUNTIME_DIR to a directory you own)", dir, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return fmt.Errorf("check runtime directory %s: %w", dir, err)
	}
	if int(st.Uid) != uid {
		return fmt.Errorf("runtime directory %s belongs to uid %d, not to you (uid %d) (hint: remove it or set XDG_RUNTIME_DIR to a directory you own)", dir, st.Uid, uid)
	}
	if st.Mode&0o077 != 0 && strings.HasPrefix(filepath.Base(dir), "skiff-run-") {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict runtime directory %s: %w", dir, err)
		}
	}
	return os.MkdirAll(filepath.Join(dir, "skiff"), 0o700)
}

// ensurePause starts a pause process unless the user has a live one. Two locks serialise commands that
// start at the same moment: one that every command of the user shares whatever its environment (an
// abstract socket), and the runtime directory's lock file; the loser finds the winner's pause process
// and joins it.
func ensurePause() error {
	if !privateNamespace() {
		unlock := lockUser(os.Geteuid())
		defer unlock()
	}
	// containers/storage's lockfile, as package record's locks (userns imports no project package).
	lockPath := filepath.Join(StateDir(), "pause.lock")
	lock, err := lockfile.GetLockFile(lockPath)
	if err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}
	lock.Lock()
	defer lock.Unlock()
	if pid, err := readPID(PausePIDFile()); err == nil && pausePIDValid(pid, os.Geteuid()) {
		return nil
	}
	if !privateNamespace() && findPause(os.Geteuid()) > 0 {
		return nil // made from another environment: the constructor finds it too
	}
	u, err := user.Current()
	if err != nil {
		return fmt.Errorf("look up the current user: %w", err)
	}
	plan, warnings, err := PlanForUser(u.Username, os.Geteuid(), os.Getegid())
	if err != nil {
		return err
	}
	pid, err := startPause(plan)
	if err != nil && !plan.Single {
		// A broken newuidmap (not setuid, missing, refusing the range) must not stop the user.
		warnings = append(warnings, fmt.Sprintf("%v; skiff continues with a single-UID mapping", err))
		plan = NewPlan(uint32(os.Geteuid()), uint32(os.Getegid()), nil, nil)
		pid, err = startPause(plan)
	}
	if err != nil {
		return err
	}
	for _, w := range warnings {
		logrus.Warn(w)
	}
	moveToOwnScope(pid) // under systemd: outlive this unit (scope.go)
	return ioutils.AtomicWriteFile(PausePIDFile(), []byte(strconv.Itoa(pid)+"\n"), 0o600)
}

// PlanForUser reads /etc/subuid and /etc/subgid and returns the user's mapping, with a warning that
// explains a single mapping and how to get a full one.
func PlanForUser(name string, uid, gid int) (Plan, []string, error) {
	subuids, w1, err := readSubIDs("/etc/subuid", name, uid)
	if err != nil {
		return Plan{}, nil, err
	}
	subgids, w2, err := readSubIDs("/etc/subgid", name, uid)
	if err != nil {
		return Plan{}, nil, err
	}
	warnings := append(w1, w2...)
	plan := NewPlan(uint32(uid), uint32(gid), subuids, subgids)
	if plan.Single {
		missing := "/etc/subuid"
		if len(subuids) > 0 {
			missing = "/etc/subgid"
		}
		warnings = append(warnings, fmt.Sprintf("no subordinate ID range for %s in %s; skiff continues with a single-UID mapping "+
			"and stores every image file as owned by you (hint: as root, usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s)",
			name, missing, name))
	}
	return plan, warnings, nil
}

// startPause starts the pause process in a new user+mount namespace, maps plan into it and lets it run.
func startPause(plan Plan) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("start pause process: %w", err)
	}
	defer w.Close()
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{pauseArgv0},
		Env:        pauseEnv(),
		ExtraFiles: []*os.File{r}, // fd 3: the go-ahead byte
		Dir:        "/",
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			Setsid:     true,
		},
	}
	err = cmd.Start()
	r.Close()
	if err != nil {
		return 0, fmt.Errorf("start pause process: %w (hint: check that unprivileged user namespaces are enabled: sysctl user.max_user_namespaces)", err)
	}
	pid := cmd.Process.Pid
	if err := applyPlan(pid, plan); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, err
	}
	if _, err := w.Write([]byte("1")); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, fmt.Errorf("release pause process %d: %w", pid, err)
	}
	// The pause process outlives this command; it is re-parented when skiff exits.
	_ = cmd.Process.Release()
	return pid, nil
}

// applyPlan writes the ID maps of pid: through newuidmap/newgidmap for subordinate ranges, directly for a
// single mapping (the kernel allows a user to map its own IDs after denying setgroups).
func applyPlan(pid int, plan Plan) error {
	if plan.Single {
		proc := "/proc/" + strconv.Itoa(pid)
		for _, f := range []struct{ path, data string }{
			{proc + "/setgroups", "deny"},
			{proc + "/gid_map", procFormat(plan.GIDs)},
			{proc + "/uid_map", procFormat(plan.UIDs)},
		} {
			if err := os.WriteFile(f.path, []byte(f.data), 0); err != nil {
				return fmt.Errorf("write %s: %w", f.path, err)
			}
		}
		return nil
	}
	if err := runIDMapTool("newuidmap", pid, plan.UIDs); err != nil {
		return err
	}
	return runIDMapTool("newgidmap", pid, plan.GIDs)
}

func runIDMapTool(tool string, pid int, maps []IDMap) error {
	argv := append([]string{strconv.Itoa(pid)}, args(maps)...)
	path, err := exec.LookPath(tool)
	if err != nil {
		return fmt.Errorf("%s not found (hint: install the uidmap package)", tool)
	}
	out, err := exec.Command(path, argv...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %s: %w", tool, strings.Join(argv, " "), strings.TrimSpace(string(out)), err)
	}
	return nil
}

// readPID reads a PID file.
func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return pid, nil
}

// PausePID returns the PID of the user's live pause process, or 0 when there is none.
func PausePID() int {
	if pid, err := readPID(PausePIDFile()); err == nil && pausePIDValid(pid, os.Geteuid()) {
		return pid
	}
	if privateNamespace() {
		return 0
	}
	return findPause(os.Geteuid())
}

// privateNamespace reports whether SKIFF_PRIVATE_NAMESPACE=1 keeps this command to the pause process of
// its own runtime directory (see join.c).
func privateNamespace() bool { return os.Getenv("SKIFF_PRIVATE_NAMESPACE") == "1" }

// pauseEnv is the environment of a new pause process; join.c reads it back from /proc/PID/environ.
func pauseEnv() []string {
	env := []string{"_SKIFF_PAUSE=1", "_SKIFF_RUNTIME_DIR=" + RuntimeDir()}
	if privateNamespace() {
		env = append(env, privateEnv)
	}
	return env
}

// StopPause kills the user's pause processes (there is one, but a namespace made by an older skiff
// from another environment may be a second) and removes the record; a namespace goes away with the
// last process in it. Used by system reset.
func StopPause() error {
	for i := 0; i < 16; i++ {
		pid := PausePID()
		if pid == 0 {
			break
		}
		if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("stop pause process %d: %w", pid, err)
		}
		// SIGKILL is delivered asynchronously: go on once the process is gone, so that the caller's next
		// command creates a fresh namespace instead of joining a dying one.
		for deadline := time.Now().Add(2 * time.Second); pausePIDValid(pid, os.Geteuid()) && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := os.Remove(PausePIDFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", PausePIDFile(), err)
	}
	return nil
}

// lockUser takes a lock that every command of user uid shares whatever its environment: an abstract
// Unix socket named after the user, bound for as long as the lock is held (the kernel frees it when the
// process exits or re-executes itself). Where it cannot be had (another user squats the name, or the
// name is busy for long) the runtime directory's lock file alone serialises.
func lockUser(uid int) (unlock func()) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return func() {}
	}
	addr := &unix.SockaddrUnix{Name: "@skiff-pause-create-" + strconv.Itoa(uid)}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		err = unix.Bind(fd, addr)
		if err == nil {
			return func() { unix.Close(fd) }
		}
		if !errors.Is(err, unix.EADDRINUSE) {
			break
		}
	}
	logrus.Debugf("user lock %s: %v: going on with the runtime directory's lock", addr.Name, err)
	unix.Close(fd)
	return func() {}
}
