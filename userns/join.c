// The constructor below runs before the Go runtime starts, while the process still has one thread: the
// only time setns(CLONE_NEWUSER) is allowed. It does three things, in order:
//
//  1. In a process started as the pause process (_SKIFF_PAUSE set), wait until the parent has written the
//     ID maps, become root in the new namespace and sleep forever. It never returns to Go.
//  2. Work out the user's runtime directory (see skiff_runtime_dir).
//  3. If a live pause process is recorded in <runtime dir>/skiff/pause.pid, join its user and mount
//     namespaces and become root there, so that Go code runs inside the user's namespace from the start.
//     If none is recorded there (a command run with another XDG_RUNTIME_DIR or TMPDIR than the one that
//     made the namespace: under systemd, in a batch job, from a login shell), look for the user's pause
//     process among all processes and join it, adopting the runtime directory it was created with when
//     that still exists: one namespace per user, whatever the environment. SKIFF_PRIVATE_NAMESPACE=1
//     opts out: such a command, and the pause process it makes, keep to their runtime directory (a
//     second, isolated engine with its own storage, as test sandboxes use).
//
// cmd/skiff/roles.go lists this constructor's role (the pause process) with the binary's others.
//
// The results are kept in skiff_join_result for Go to read (cgo.go): Go copies its environment from the
// initial stack, so a setenv() here would be invisible to it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "join.h"

struct skiff_join_result skiff_join_result;

static int owned_dir(const char *path, uid_t uid, int want_0700)
{
	struct stat st;
	if (path == NULL || path[0] != '/' || stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return 0;
	return !want_0700 || (st.st_mode & 07777) == 0700;
}

int skiff_runtime_dir(const char *xdg, const char *run_user, const char *tmpdir, uid_t uid, char *buf, size_t len)
{
	char candidate[PATH_MAX];
	int n;

	if (owned_dir(xdg, uid, 0)) {
		n = snprintf(buf, len, "%s", xdg);
		return n < 0 || (size_t) n >= len ? -1 : 0;
	}
	n = snprintf(candidate, sizeof(candidate), "%s/%u", run_user, (unsigned) uid);
	if (n > 0 && (size_t) n < sizeof(candidate) && owned_dir(candidate, uid, 1)) {
		n = snprintf(buf, len, "%s", candidate);
		return n < 0 || (size_t) n >= len ? -1 : 0;
	}
	if (tmpdir == NULL || tmpdir[0] != '/')
		tmpdir = "/tmp";
	n = snprintf(buf, len, "%s/skiff-run-%u", tmpdir, (unsigned) uid);
	return n < 0 || (size_t) n >= len ? -1 : 0;
}

int skiff_pause_pid_valid(pid_t pid, uid_t uid)
{
	char path[64], cmdline[sizeof(SKIFF_PAUSE_ARGV0)];
	struct stat st;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st) < 0 || st.st_uid != uid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, cmdline, sizeof(cmdline));
	close(fd);
	// argv[0] and its NUL: "skiff-pause" alone, or followed by catatonit's "-P".
	return n == (ssize_t) sizeof(SKIFF_PAUSE_ARGV0) && memcmp(cmdline, SKIFF_PAUSE_ARGV0, n) == 0;
}

// environ_has reports whether process pid's initial environment holds the entry want ("NAME=value").
static int environ_has(pid_t pid, const char *want)
{
	char path[64], env[8192];
	ssize_t n;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, env, sizeof(env) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	env[n] = '\0';
	for (i = 0; i < (size_t) n; i += strlen(env + i) + 1)
		if (strcmp(env + i, want) == 0)
			return 1;
	return 0;
}

pid_t skiff_find_pause(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (skiff_pause_pid_valid((pid_t) pid, uid) && !environ_has((pid_t) pid, SKIFF_PRIVATE_ENV)) {
			found = (pid_t) pid;
			break;
		}
	}
	closedir(d);
	return found;
}

int skiff_pause_rundir(pid_t pid, uid_t uid, char *buf, size_t len)
{
	static const char key[] = "_SKIFF_RUNTIME_DIR=";
	char path[64], env[8192], skiffdir[PATH_MAX];
	ssize_t n;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, env, sizeof(env) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	env[n] = '\0';
	for (i = 0; i < (size_t) n; i += strlen(env + i) + 1) {
		const char *v = env + i;
		if (strncmp(v, key, sizeof(key) - 1) != 0)
			continue;
		v += sizeof(key) - 1;
		if (snprintf(skiffdir, sizeof(skiffdir), "%s/skiff", v) >= (int) sizeof(skiffdir))
			return -1;
		if (!owned_dir(v, uid, 0) || !owned_dir(skiffdir, uid, 0))
			return -1;
		if (snprintf(buf, len, "%s", v) >= (int) len)
			return -1;
		return 0;
	}
	return -1;
}

static void do_pause(void)
{
	static const char *catatonit[] = {"/usr/bin/catatonit", "/usr/libexec/catatonit/catatonit",
					  "/usr/libexec/podman/catatonit", NULL};
	char *const argv[] = {SKIFF_PAUSE_ARGV0, "-P", NULL};
	char go;
	int sig, i;

	// The parent writes one byte once the ID maps are in place; EOF means it gave up.
	if (read(3, &go, 1) != 1 || go != '1')
		_exit(1);
	close(3);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(1);
	if (chdir("/") < 0)
		_exit(1);
	// catatonit -P, as Podman uses, so that the pause process does not keep skiff's binary busy (an
	// upgrade would fail with ETXTBSY); argv[0] stays the name pause.pid is checked against.
	for (i = 0; catatonit[i] != NULL; i++)
		execv(catatonit[i], argv);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGTERM)
			signal(sig, SIG_IGN);
	for (;;)
		pause();
}

static void join_error(const char *what, pid_t pid, int err)
{
	snprintf(skiff_join_result.error, sizeof(skiff_join_result.error), "%s of pause process %d: %s", what, pid,
		 strerror(err));
}

static void join_pause(char *rundir, uid_t uid)
{
	char path[PATH_MAX], cwd[PATH_MAX], buf[32];
	int fd, userfd, mntfd;
	ssize_t n;
	pid_t pid;

	pid = 0;
	if (snprintf(path, sizeof(path), "%s/skiff/pause.pid", rundir) < (int) sizeof(path) &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			pid = (pid_t) strtol(buf, NULL, 10);
		}
	}
	if (!skiff_pause_pid_valid(pid, uid)) {
		// Not recorded here (or stale): the user's namespace may have been made from another
		// environment. Join it, in the runtime directory it was made with if that still exists.
		const char *private = getenv("SKIFF_PRIVATE_NAMESPACE");
		pid = private != NULL && strcmp(private, "1") == 0 ? 0 : skiff_find_pause(uid);
		if (pid <= 0)
			return; // no namespace yet: Go creates it when a command needs it
		if (skiff_pause_rundir(pid, uid, path, sizeof(path)) == 0)
			snprintf(rundir, PATH_MAX, "%s", path);
	}

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	userfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	mntfd = open(path, O_RDONLY | O_CLOEXEC);
	if (userfd < 0 || mntfd < 0) {
		join_error("open namespaces", pid, errno);
		goto out;
	}
	if (setns(userfd, CLONE_NEWUSER) < 0) {
		join_error("join user namespace", pid, errno);
		goto out;
	}
	// setns(CLONE_NEWNS) moves the working directory to the new namespace's root: come back to the same
	// path, which the namespace (a copy of the host's mounts) also has, so relative paths keep working.
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	if (setns(mntfd, CLONE_NEWNS) < 0) {
		join_error("join mount namespace", pid, errno);
		goto out;
	}
	// A directory that exists only in the host's namespace (a mount made after the namespace was created
	// on a host whose / is not shared) leaves the process at /; that is all the namespace can offer.
	if (cwd[0] != '\0')
		(void) !chdir(cwd);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		join_error("become root in the user namespace", pid, errno);
		goto out;
	}
	skiff_join_result.pause_pid = pid;
out:
	if (userfd >= 0)
		close(userfd);
	if (mntfd >= 0)
		close(mntfd);
}

static long long monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void join_user_namespace(void);

__attribute__((constructor)) static void skiff_userns_init(void)
{
	if (getenv("_SKIFF_PAUSE") != NULL)
		do_pause();
	skiff_join_result.started = monotonic_ns();
	join_user_namespace();
	skiff_join_result.ended = monotonic_ns();
}

static void join_user_namespace(void)
{
	uid_t uid = geteuid();

	if (uid == 0)
		return; // real root, or already inside the namespace (a child of skiff unshare, a re-exec)
	skiff_join_result.uid = uid;
	skiff_join_result.gid = getegid();
	if (skiff_runtime_dir(getenv("XDG_RUNTIME_DIR"), "/run/user", getenv("TMPDIR"), uid, skiff_join_result.rundir,
			      sizeof(skiff_join_result.rundir)) < 0) {
		skiff_join_result.rundir[0] = '\0';
		return;
	}
	join_pause(skiff_join_result.rundir, uid);
}
