#ifndef SKIFF_USERNS_JOIN_H
#define SKIFF_USERNS_JOIN_H
#include <limits.h>
#include <sys/types.h>

// What the constructor did, for Go to read. rundir is empty for root and inside the namespace already.
struct skiff_join_result {
	uid_t uid, gid;     // the user's host IDs
	char rundir[PATH_MAX];
	pid_t pause_pid;    // > 0: joined this pause process's namespaces
	char error[256];    // why joining a recorded pause process failed
	long long started, ended; // CLOCK_MONOTONIC ns at the constructor's start and end (for SKIFF_TRACE)
};
extern struct skiff_join_result skiff_join_result;

// argv[0] of the pause process; how a live pause process is told apart from a recycled PID.
#define SKIFF_PAUSE_ARGV0 "skiff-pause"
// In the environment of a pause process that keeps to its runtime directory (see join.c).
#define SKIFF_PRIVATE_ENV "SKIFF_PRIVATE_NAMESPACE=1"

int skiff_runtime_dir(const char *xdg, const char *run_user, const char *tmpdir, uid_t uid, char *buf, size_t len);
int skiff_pause_pid_valid(pid_t pid, uid_t uid);
// skiff_find_pause returns a live pause process of uid found among all processes, or 0.
pid_t skiff_find_pause(uid_t uid);
// skiff_pause_rundir copies the runtime directory pause process pid was created with, if it still exists.
int skiff_pause_rundir(pid_t pid, uid_t uid, char *buf, size_t len);
#endif
