// The container monitor: one small process per container, the part of skiff that outlives the command
// that started the container. It is the skiff binary itself, run with _SKIFF_MONITOR set: the constructor
// below takes over before the Go runtime starts and never returns to Go, so a monitor costs what this
// file and libc touch (about 1 MB RSS), not a Go heap with c/image and c/storage initialised.
// cmd/skiff/roles.go lists it with the skiff binary's other roles.
//
// It is configured by its arguments (key=value, written by monitor.go) and does, in order:
//
//  1. fork: the parent exits at once (the caller made it a session leader with setsid, so the monitor is
//     detached from the caller's terminal and session and is re-parented when the caller exits);
//  2. become a child subreaper, so that the container's init, whose parent `runtime create` exits, is
//     re-parented to the monitor and can be waited for;
//  3. create the container's stdio (pipes, or a console socket on which the runtime sends the pty
//     master), the attach socket and the log;
//  4. run the runtime (`run --detach`, or `create`); report "ok PID MONITORPID" or "error STATUS\nSTDERR"
//     on the sync fd; with attach-wait, first take the connection the caller made to the attach socket
//     (which the caller bound and passed as attach-fd), so that the caller misses no output; with
//     start-cmd, report "created PID MONITORPID" instead and wait for a byte on start-fd (the caller
//     connects the container's network meanwhile), then run the start command and report as above;
//  5. copy the container's output to the log and to attach clients, and clients' input to its stdin;
//  6. when the container's init exits, drain the output, write the exit file (atomically), send the
//     exit code to the clients, run the runtime's delete command, and unless a client claimed the
//     clean-up and reported it done, exec the exit command (skiff container cleanup) in place of itself.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define MAX_ARGS 256
#define MAX_CLIENTS 32

struct config {
	const char *id, *name, *exit_file, *log_driver, *log_path, *pid_file, *token, *oom_file, *log_tag;
	long long log_max_size;
	int terminal, stdin_open, sync_fd, attach_listen_fd, attach_wait, start_fd, hide_cgroup2;
	int stop_on_term; // seconds: on SIGTERM, stop the container (SIGTERM, then SIGKILL); -1 = die on SIGTERM
	const char *runtime[MAX_ARGS + 1];
	const char *start_cmd[MAX_ARGS + 1];
	const char *delete_cmd[MAX_ARGS + 1];
	const char *exit_cmd[MAX_ARGS + 1];
	const char *health_cmd[MAX_ARGS + 1];
	int nruntime, nstart, ndelete, nexit, nhealth;
	long health_interval_ms;
	long timeout_ms;
	int preserve_base, preserve_n;
};

struct client {
	int fd;
	int claimed;
};

static struct config cfg;
static struct client clients[MAX_CLIENTS];
static int nclients;
static int log_fd = -1, journal_fd = -1;
static int out_fd = -1, err_fd = -1; // read ends: stdout and stderr pipes, or the pty master (out_fd)
static int in_fd = -1;               // write end of the stdin pipe, or the pty master
static int attach_fd = -1;
static int cleanup_done;             // a client reported that it cleaned up
static char pending[SKIFF_FRAME_MAX]; // stdin bytes not yet written
static size_t npending;

static void die(const char *what)
{
	// Before the sync message the error reaches the caller; after it there is nobody to tell.
	if (cfg.sync_fd >= 0)
		dprintf(cfg.sync_fd, "error 1\nmonitor: %s: %s", what, strerror(errno));
	_exit(1);
}

static void parse_args(int argc, char **argv)
{
	int i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sync_fd = -1;
	cfg.attach_listen_fd = -1;
	cfg.start_fd = -1;
	cfg.log_driver = "k8s-file";
	cfg.token = "0";
	cfg.stop_on_term = -1;
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '='), *k = argv[i], *v;
		size_t n;
		if (eq == NULL)
			continue;
		n = (size_t) (eq - k);
		v = eq + 1;
#define KEY(name) (n == sizeof(name) - 1 && !strncmp(k, name, n))
		if (KEY("id"))
			cfg.id = v;
		else if (KEY("name"))
			cfg.name = v;
		else if (KEY("exit-file"))
			cfg.exit_file = v;
		else if (KEY("oom-file"))
			cfg.oom_file = v;
		else if (KEY("log-max-size"))
			cfg.log_max_size = atoll(v);
		else if (KEY("log-tag"))
			cfg.log_tag = v;
		else if (KEY("log-driver"))
			cfg.log_driver = v;
		else if (KEY("log-path"))
			cfg.log_path = v;
		else if (KEY("pid-file"))
			cfg.pid_file = v;
		else if (KEY("token"))
			cfg.token = v;
		else if (KEY("terminal"))
			cfg.terminal = atoi(v);
		else if (KEY("stdin"))
			cfg.stdin_open = atoi(v);
		else if (KEY("sync-fd"))
			cfg.sync_fd = atoi(v);
		else if (KEY("attach-fd"))
			cfg.attach_listen_fd = atoi(v);
		else if (KEY("hide-cgroup2"))
			cfg.hide_cgroup2 = atoi(v);
		else if (KEY("start-fd"))
			cfg.start_fd = atoi(v);
		else if (KEY("attach-wait"))
			cfg.attach_wait = atoi(v);
		else if (KEY("stop-on-term"))
			cfg.stop_on_term = atoi(v);
		else if (KEY("delete-cmd") && cfg.ndelete < MAX_ARGS)
			cfg.delete_cmd[cfg.ndelete++] = v;
		else if (KEY("start-cmd") && cfg.nstart < MAX_ARGS)
			cfg.start_cmd[cfg.nstart++] = v;
		else if (KEY("runtime") && cfg.nruntime < MAX_ARGS)
			cfg.runtime[cfg.nruntime++] = v;
		else if (KEY("exit-cmd") && cfg.nexit < MAX_ARGS)
			cfg.exit_cmd[cfg.nexit++] = v;
		else if (KEY("health-cmd") && cfg.nhealth < MAX_ARGS)
			cfg.health_cmd[cfg.nhealth++] = v;
		else if (KEY("health-interval-ms"))
			cfg.health_interval_ms = atol(v);
		else if (KEY("timeout-ms"))
			cfg.timeout_ms = atol(v);
		else if (KEY("preserve-base"))
			cfg.preserve_base = atoi(v);
		else if (KEY("preserve-n"))
			cfg.preserve_n = atoi(v);
#undef KEY
	}
	if (cfg.id == NULL || cfg.exit_file == NULL || cfg.pid_file == NULL || cfg.nruntime == 0) {
		errno = EINVAL;
		die("missing id, exit-file, pid-file or runtime argument");
	}
	if ((cfg.nstart > 0) != (cfg.start_fd >= 0)) {
		errno = EINVAL;
		die("start-cmd and start-fd go together");
	}
	if (cfg.name == NULL)
		cfg.name = cfg.id;
}

size_t skiff_k8s_timestamp(char *out, size_t cap, const struct timespec *ts)
{
	struct tm tm;
	long off;
	char sign = '+';
	size_t n;

	localtime_r(&ts->tv_sec, &tm);
	n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	n += (size_t) snprintf(out + n, cap - n, ".%09ld%c%02ld:%02ld", ts->tv_nsec, sign, off / 60, off % 60);
	return n;
}

size_t skiff_k8s_format(char *out, const struct timespec *ts, const char *stream, const char *data, size_t len)
{
	char stamp[64];
	size_t slen = skiff_k8s_timestamp(stamp, sizeof(stamp), ts), n = 0, i = 0;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t) (nl - data) : len;
		memcpy(out + n, stamp, slen);
		n += slen;
		n += (size_t) sprintf(out + n, " %s %c ", stream, nl ? 'F' : 'P');
		memcpy(out + n, data + i, end - i);
		n += end - i;
		out[n++] = '\n';
		i = nl ? end + 1 : len;
	}
	return n;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; // a full disk must not kill the container's monitor
		buf += w;
		len -= (size_t) w;
	}
}

// journal_send sends one line to journald with the native protocol: one datagram of KEY=VALUE lines.
static void journal_send(const char *stream, const char *line, size_t len, int partial)
{
	static char buf[SKIFF_FRAME_MAX + 1024];
	int n;

	if (len > SKIFF_FRAME_MAX)
		len = SKIFF_FRAME_MAX;
	n = snprintf(buf, sizeof(buf),
		     "PRIORITY=%d\nCONTAINER_ID=%.12s\nCONTAINER_ID_FULL=%s\nCONTAINER_NAME=%s\nSYSLOG_IDENTIFIER=%s\n%s%s%s"
		     "MESSAGE=",
		     stream[3] == 'e' ? 3 : 6, cfg.id, cfg.id, cfg.name, cfg.log_tag ? cfg.log_tag : cfg.name,
		     cfg.log_tag ? "CONTAINER_TAG=" : "", cfg.log_tag ? cfg.log_tag : "", cfg.log_tag ? "\n" : "");
	if (partial && n > 0 && (size_t) n < sizeof(buf)) {
		// CONTAINER_PARTIAL_MESSAGE goes before MESSAGE=.
		n -= (int) strlen("MESSAGE=");
		n += snprintf(buf + n, sizeof(buf) - (size_t) n, "CONTAINER_PARTIAL_MESSAGE=true\nMESSAGE=");
	}
	if (n < 0 || (size_t) n + len + 1 > sizeof(buf))
		return;
	memcpy(buf + n, line, len);
	buf[n + len] = '\n';
	send(journal_fd, buf, (size_t) n + len + 1, MSG_NOSIGNAL);
}

static long long log_written; // bytes in the k8s-file log

// rotate_log makes room for n more bytes under --log-opt max-size: the full log becomes PATH.1
// (replacing an older one) and a new PATH starts. Writes are whole lines, so no line spans two files.
static void rotate_log(size_t n)
{
	char rotated[4096];
	int fd;

	if (cfg.log_max_size <= 0 || log_written == 0 || log_written + (long long) n <= cfg.log_max_size)
		return;
	snprintf(rotated, sizeof(rotated), "%s.1", cfg.log_path);
	if (rename(cfg.log_path, rotated) < 0)
		return;
	fd = open(cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return; // keep writing to the rotated file rather than lose output
	dup3(fd, log_fd, O_CLOEXEC);
	close(fd);
	log_written = 0;
}

static void log_output(const char *stream, const char *data, size_t len)
{
	struct timespec ts;

	if (log_fd >= 0) {
		// Worst case: every byte a newline, each line a timestamp and a stream tag.
		static char out[SKIFF_FRAME_MAX * 72];
		size_t n, i = 0;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (cfg.log_max_size <= 0) {
			n = skiff_k8s_format(out, &ts, stream, data, len);
			write_all(log_fd, out, n);
		}
		// With max-size, line by line, so that the rotation keeps each file near the size.
		while (cfg.log_max_size > 0 && i < len) {
			const char *nl = memchr(data + i, '\n', len - i);
			size_t end = nl ? (size_t) (nl - data) + 1 : len;
			n = skiff_k8s_format(out, &ts, stream, data + i, end - i);
			rotate_log(n);
			write_all(log_fd, out, n);
			log_written += (long long) n;
			i = end;
		}
	}
	if (journal_fd >= 0) {
		size_t i = 0;
		while (i < len) {
			const char *nl = memchr(data + i, '\n', len - i);
			size_t end = nl ? (size_t) (nl - data) : len;
			journal_send(stream, data + i, end - i, nl == NULL);
			i = nl ? end + 1 : len;
		}
	}
}

static void drop_client(int i)
{
	close(clients[i].fd);
	clients[i] = clients[--nclients];
}

static void broadcast(int type, const char *data, size_t len)
{
	char frame[SKIFF_FRAME_MAX + 1];
	int i;

	frame[0] = (char) type;
	memcpy(frame + 1, data, len);
	for (i = 0; i < nclients;) {
		if (send(clients[i].fd, frame, len + 1, MSG_NOSIGNAL) < 0 && errno != EINTR) {
			drop_client(i);
			continue;
		}
		i++;
	}
}

// read_output copies one read of fd to the log and the clients; it returns 0 at EOF.
static int read_output(int fd, int type)
{
	char buf[SKIFF_FRAME_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0; // EOF, or EIO from a pty master once the slave side is closed
	log_output(type == SKIFF_FRAME_STDERR ? "stderr" : "stdout", buf, (size_t) n);
	broadcast(type, buf, (size_t) n);
	return 1;
}

static void close_stdin(void)
{
	if (in_fd >= 0 && !cfg.terminal) {
		close(in_fd);
		in_fd = -1;
	}
	npending = 0;
}

static void flush_stdin(void)
{
	ssize_t w;

	if (npending == 0 || in_fd < 0)
		return;
	w = write(in_fd, pending, npending);
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR)
			close_stdin(); // the container closed its stdin: drop input from now on
		return;
	}
	memmove(pending, pending + w, npending - (size_t) w);
	npending -= (size_t) w;
}

static void client_message(int i)
{
	char msg[SKIFF_FRAME_MAX + 2];
	ssize_t n = recv(clients[i].fd, msg, sizeof(msg) - 1, 0);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		drop_client(i);
		return;
	}
	msg[n] = '\0';
	switch (msg[0]) {
	case SKIFF_FRAME_STDIN:
		if (in_fd >= 0 && (size_t) n - 1 <= sizeof(pending) - npending) {
			memcpy(pending + npending, msg + 1, (size_t) n - 1);
			npending += (size_t) n - 1;
			flush_stdin();
		}
		break;
	case SKIFF_FRAME_RESIZE:
		if (cfg.terminal && out_fd >= 0) {
			struct winsize ws = {0};
			unsigned rows = 0, cols = 0;
			if (sscanf(msg + 1, "%u %u", &rows, &cols) == 2) {
				ws.ws_row = (unsigned short) rows;
				ws.ws_col = (unsigned short) cols;
				ioctl(out_fd, TIOCSWINSZ, &ws);
			}
		}
		break;
	case SKIFF_FRAME_STDIN_EOF:
		close_stdin();
		break;
	case SKIFF_FRAME_CLAIM:
		clients[i].claimed = 1;
		break;
	case SKIFF_FRAME_DONE:
		cleanup_done = 1;
		break;
	}
}

static void accept_client(void)
{
	int fd = accept4(attach_fd, NULL, NULL, SOCK_CLOEXEC);
	struct timeval tv = {5, 0};

	if (fd < 0)
		return;
	if (nclients == MAX_CLIENTS) {
		close(fd);
		return;
	}
	// A client that stops reading is dropped rather than stalling the container.
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	clients[nclients].fd = fd;
	clients[nclients].claimed = 0;
	nclients++;
}

static int listen_unix(const char *path, int type)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("create socket");
	unlink(path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
		die(path);
	if (listen(fd, 16) < 0)
		die(path);
	return fd;
}

// recv_pty receives the pty master the runtime sends on the console socket.
static int recv_pty(int listen_fd)
{
	char data[256], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg;
	int conn, fd = -1;

	conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return -1;
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) >= 0) {
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	}
	close(conn);
	return fd;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static int oom_fd = -1; // memory.oom_control of the container's own memory cgroup (cgroup v1)

// open_oom_control opens memory.oom_control of the v1 memory cgroup the container's init (pid) is in,
// so that after the exit, before the runtime's delete removes the cgroup, its oom_kill count can tell
// whether the OOM killer struck (read_oom_kills).
static void open_oom_control(pid_t pid)
{
	char path[4096], line[4096];
	FILE *f;

	if (cfg.oom_file == NULL)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *ctrls = strchr(line, ':'), *p, *tok, *save = NULL;
		int memory = 0;
		if (ctrls == NULL || (p = strchr(++ctrls, ':')) == NULL)
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		for (tok = strtok_r(ctrls, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
			memory |= !strcmp(tok, "memory");
		if (!memory)
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.oom_control", p);
		oom_fd = open(path, O_RDONLY | O_CLOEXEC);
		break;
	}
	fclose(f);
}

// write_oom_file records, before the exit file, that the OOM killer killed a process of the container.
static void write_oom_file(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd;

	if (oom_fd < 0)
		return;
	n = pread(oom_fd, buf, sizeof(buf) - 1, 0);
	close(oom_fd);
	oom_fd = -1;
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strstr(buf, "oom_kill ");
	if (p == NULL || strtoll(p + 9, NULL, 10) <= 0)
		return;
	fd = open(cfg.oom_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	write_all(fd, cfg.token, strlen(cfg.token));
	write_all(fd, "\n", 1);
	close(fd);
}

static void write_exit_file(int code)
{
	char tmp[4096], buf[128];
	struct timespec ts;
	int fd, n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(buf, sizeof(buf), "%s %d %lld%09ld\n", cfg.token, code, (long long) ts.tv_sec, ts.tv_nsec);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg.exit_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	write_all(fd, buf, (size_t) n);
	close(fd);
	rename(tmp, cfg.exit_file);
}

// spawn starts argv with stdio on devnull and default signal handling, and returns its PID.
static pid_t spawn(const char *const *argv, int devnull)
{
	sigset_t none;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	if (chdir("/") < 0)
		_exit(127);
	execv(argv[0], (char *const *) argv);
	_exit(127);
}

// hide_cgroup2 gives the calling process a mount namespace of its own in which a read-only empty tmpfs
// covers /sys/fs/cgroup/unified. crun refuses every container on a hybrid-cgroup host whose cgroup2
// hierarchy has a controller, before it looks at --cgroup-manager=disabled; without the hierarchy it
// sees a cgroup v1 host, which it supports, and with cgroups disabled it touches none. The container's
// own mount namespace is made from this one, so nothing else in the user's namespace is affected.
static void hide_cgroup2(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    mount("skiff-no-cgroup2", "/sys/fs/cgroup/unified", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0555") < 0) {
		dprintf(2, "hide the cgroup2 hierarchy from the runtime: %s", strerror(errno));
		_exit(127);
	}
}

// run_create runs `runtime create` with the container's stdio and returns its wait status; errfd gets the
// runtime's stderr when that is not the container's.
static int run_create(int stdin_r, int stdout_w, int stderr_w, int console_listen)
{
	sigset_t none;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork runtime");
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		dup2(stdin_r, 0);
		dup2(stdout_w, 1);
		dup2(stderr_w, 2);
		// --preserve-fds: the caller's descriptors, passed after ours, become 3.. for the runtime. Each
		// source lies above its target, and a later source is never an earlier target.
		for (int i = 0; i < cfg.preserve_n; i++)
			dup2(cfg.preserve_base + i, 3 + i);
		if (cfg.hide_cgroup2)
			hide_cgroup2();
		execv(cfg.runtime[0], (char *const *) cfg.runtime);
		dprintf(2, "exec %s: %s", cfg.runtime[0], strerror(errno));
		_exit(127);
	}
	if (console_listen >= 0) {
		// The runtime connects during create and sends the pty master; it waits for us to take it.
		for (;;) {
			struct pollfd p = {.fd = console_listen, .events = POLLIN};
			pid_t w;
			if (poll(&p, 1, 50) > 0) {
				out_fd = recv_pty(console_listen);
				break;
			}
			w = waitpid(pid, &status, WNOHANG);
			if (w == pid)
				return status; // it failed before connecting
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("wait for runtime");
	// The container holds the preserved descriptors now; the monitor must not keep them open.
	for (int i = 0; i < cfg.preserve_n; i++)
		close(cfg.preserve_base + i);
	return status;
}

static pid_t read_pid_file(void)
{
	char buf[32];
	ssize_t n;
	int fd = open(cfg.pid_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t) atoi(buf);
}

static void report_create_failure(int status, int errfd)
{
	char buf[8192];
	ssize_t n, total = 0;

	dprintf(cfg.sync_fd, "error %d\n", exit_code(status));
	set_nonblock(errfd);
	while (total < (ssize_t) sizeof(buf) && (n = read(errfd, buf, sizeof(buf))) > 0) {
		write_all(cfg.sync_fd, buf, (size_t) n);
		total += n;
	}
}

// start_container is the second half of a split start: the caller connected what the container needs
// (its network) to the created container pid and tells us to go on by writing to the start pipe; we run
// the runtime's start command ourselves and report "ok PID MONITORPID\n" or "error STATUS\n" and its
// stderr. The runtime's state is only ever deleted by this process after the start has returned, so the
// delete that follows a quick exit can never race with the start (runc's start removes its exec.fifo
// after the container's process has begun). If the caller goes away without a word, or the start
// fails, the container is killed; its exit is then recorded as for any other.
static void start_container(pid_t pid)
{
	char go;
	ssize_t n;
	int errpipe[2], status;
	pid_t start;
	sigset_t none;

	while ((n = read(cfg.start_fd, &go, 1)) < 0 && errno == EINTR)
		;
	close(cfg.start_fd);
	cfg.start_fd = -1;
	if (n != 1) {
		kill(pid, SIGKILL);
		close(cfg.sync_fd);
		cfg.sync_fd = -1;
		return;
	}
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		die("pipe");
	start = fork();
	if (start < 0)
		die("fork runtime start");
	if (start == 0) {
		int devnull = open("/dev/null", O_RDWR);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		dup2(errpipe[1], 2);
		execv(cfg.start_cmd[0], (char *const *) cfg.start_cmd);
		dprintf(2, "exec %s: %s", cfg.start_cmd[0], strerror(errno));
		_exit(127);
	}
	close(errpipe[1]);
	while (waitpid(start, &status, 0) < 0)
		if (errno != EINTR)
			die("wait for runtime start");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		dprintf(cfg.sync_fd, "ok %d %d\n", pid, getpid());
	} else {
		report_create_failure(status, errpipe[0]);
		kill(pid, SIGKILL);
	}
	close(errpipe[0]);
	close(cfg.sync_fd);
	cfg.sync_fd = -1;
}


static void open_log(void)
{
	if (!strcmp(cfg.log_driver, "k8s-file") && cfg.log_path != NULL) {
		struct stat st;
		log_fd = open(cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (log_fd < 0)
			die(cfg.log_path);
		if (fstat(log_fd, &st) == 0)
			log_written = (long long) st.st_size;
	} else if (!strcmp(cfg.log_driver, "journald")) {
		struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket"};
		journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (journal_fd < 0 || connect(journal_fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
			die("connect to journald at /run/systemd/journal/socket");
	}
}

// serve runs the event loop until the container's init (pid) has exited and its output is drained, and
// returns the exit code.
static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int serve(pid_t pid, int sigfd)
{
	int exited = 0, code = 255, out_open = out_fd >= 0, err_open = err_fd >= 0, devnull = -1, stopping = 0;
	struct timespec deadline = {0}, term_kill_at = {0};
	// The health check, as Podman's timer runs it: once right after the start, then an interval after
	// each run ended, one run at a time.
	int health = cfg.nhealth > 0 && cfg.health_interval_ms > 0;
	long health_next = health ? now_ms() : 0;
	pid_t health_pid = 0;
	// --timeout: SIGKILL once the container has run that long.
	long kill_at = cfg.timeout_ms > 0 ? now_ms() + cfg.timeout_ms : 0;

	if (health)
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (;;) {
		struct pollfd p[4 + MAX_CLIENTS];
		int n = 0, i, r, timeout = -1, base;

		if (kill_at > 0 && !exited) {
			long now = now_ms();
			if (now >= kill_at) {
				kill(pid, SIGKILL);
				kill_at = 0;
			} else if (timeout < 0 || kill_at - now < timeout) {
				timeout = (int) (kill_at - now);
			}
		}
		if (health && !exited && devnull >= 0) {
			long now = now_ms();
			if (health_pid <= 0 && now >= health_next) {
				health_pid = spawn(cfg.health_cmd, devnull);
				if (health_pid < 0) {
					health_pid = 0;
					health_next = now + cfg.health_interval_ms;
				}
			}
			// While a run goes on, its end (SIGCHLD) schedules the next.
			if (health_pid <= 0 && (timeout < 0 || health_next - now < timeout))
				timeout = (int) (health_next - now);
		}

		if (!exited && !out_open && !err_open) {
			// The output is closed: make sure the container still exists. An init that exited
			// before the runtime did may have been reaped by it rather than re-parented to us.
			int st;
			pid_t w = waitpid(pid, &st, WNOHANG);
			if (w == pid) {
				exited = 1;
				code = exit_code(st);
			} else if (w < 0 && errno == ECHILD && kill(pid, 0) < 0 && errno == ESRCH) {
				exited = 1;
			} else if (timeout < 0 || timeout > 1000) {
				timeout = 1000;
			}
		}
		if (stopping == 1 && !exited) {
			// SIGTERM came (stop-on-term): SIGKILL the container once its grace period is over.
			struct timespec now;
			int left;
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (int) ((term_kill_at.tv_sec - now.tv_sec) * 1000 + (term_kill_at.tv_nsec - now.tv_nsec) / 1000000);
			if (left <= 0) {
				kill(pid, SIGKILL);
				stopping = 2;
			} else if (timeout < 0 || left < timeout) {
				timeout = left;
			}
		}
		if (exited) {
			struct timespec now;
			if (!out_open && !err_open)
				break;
			// Processes outside the container may hold the pipes; do not wait for them forever.
			clock_gettime(CLOCK_MONOTONIC, &now);
			timeout = (int) ((deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000);
			if (timeout <= 0)
				break;
		}
		p[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = attach_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = out_open ? out_fd : -1, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = err_open ? err_fd : -1, .events = POLLIN};
		if (npending > 0) {
			// Back-pressure: wait until stdin takes the pending bytes before reading more input.
			p[n++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
		}
		base = n;
		for (i = 0; i < nclients; i++)
			p[n++] = (struct pollfd){.fd = npending > 0 ? -1 : clients[i].fd, .events = POLLIN};
		r = poll(p, (nfds_t) n, timeout);
		if (r < 0 && errno != EINTR)
			die("poll");
		if (r <= 0)
			continue;
		if (p[0].revents) {
			struct signalfd_siginfo si;
			int status;
			pid_t w;
			while (read(sigfd, &si, sizeof(si)) > 0) {
				if (si.ssi_signo == SIGTERM && !exited && !stopping) {
					kill(pid, SIGTERM);
					stopping = 1;
					clock_gettime(CLOCK_MONOTONIC, &term_kill_at);
					term_kill_at.tv_sec += cfg.stop_on_term;
				}
			}
			while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
				if (w == health_pid) {
					health_pid = 0;
					health_next = now_ms() + cfg.health_interval_ms;
				}
				if (w == pid && !exited) {
					exited = 1;
					code = exit_code(status);
					clock_gettime(CLOCK_MONOTONIC, &deadline);
					deadline.tv_sec += 2;
				}
			}
		}
		if (p[2].revents && !read_output(out_fd, SKIFF_FRAME_STDOUT))
			out_open = 0;
		if (p[3].revents && !read_output(err_fd, SKIFF_FRAME_STDERR))
			err_open = 0;
		if (npending > 0 && p[4].revents)
			flush_stdin();
		// Clients may be dropped while we walk them: walk backwards over the snapshot.
		for (i = n - 1; i >= base; i--)
			if (p[i].revents && i - base < nclients && clients[i - base].fd == p[i].fd)
				client_message(i - base);
		if (p[1].revents)
			accept_client();
	}
	if (devnull >= 0)
		close(devnull);
	return code;
}

// finish tells the clients the exit code and waits for a client that claimed the clean-up to report it
// done or to go away.
static void finish(int code)
{
	char buf[16];
	int i, n = snprintf(buf, sizeof(buf), "%d", code);

	broadcast(SKIFF_FRAME_EXIT, buf, (size_t) n);
	for (;;) {
		struct pollfd p[MAX_CLIENTS];
		int claimed = 0;
		for (i = 0; i < nclients; i++) {
			p[i] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
			claimed |= clients[i].claimed;
		}
		if (!claimed || cleanup_done)
			return;
		if (poll(p, (nfds_t) nclients, -1) < 0 && errno != EINTR)
			return;
		for (i = nclients - 1; i >= 0; i--)
			if (p[i].revents)
				client_message(i);
	}
}

static void monitor_main(int argc, char **argv)
{
	int stdin_r, stdout_w = -1, stderr_w = -1, console_listen = -1, errpipe[2], p[2], status, sigfd, devnull, code;
	sigset_t mask;
	pid_t pid, delete_pid;

	parse_args(argc, argv);
	// Nothing the monitor starts may hold the sync pipe: the caller reads it to EOF.
	if (cfg.sync_fd >= 0)
		fcntl(cfg.sync_fd, F_SETFD, FD_CLOEXEC);
	if (cfg.start_fd >= 0)
		fcntl(cfg.start_fd, F_SETFD, FD_CLOEXEC);
	switch (fork()) {
	case -1:
		die("fork");
	case 0:
		break;
	default:
		_exit(0); // the caller waits for this; the monitor lives on, re-parented
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		die("become child subreaper");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (cfg.stop_on_term >= 0)
		sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		die("signalfd");
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("open /dev/null");
	open_log();

	stdin_r = devnull;
	if (cfg.terminal) {
		console_listen = listen_unix("console.sock", SOCK_STREAM);
		if (pipe2(errpipe, O_CLOEXEC) < 0)
			die("pipe");
		stdout_w = stderr_w = errpipe[1];
	} else {
		if (cfg.stdin_open) {
			if (pipe2(p, O_CLOEXEC) < 0)
				die("pipe");
			stdin_r = p[0];
			in_fd = p[1];
		}
		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe");
		out_fd = p[0];
		stdout_w = p[1];
		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe");
		err_fd = p[0];
		stderr_w = p[1];
		errpipe[0] = err_fd;
	}
	if (cfg.attach_listen_fd >= 0) {
		// Bound by the caller, which may already have connected: no output can be missed.
		attach_fd = cfg.attach_listen_fd;
		fcntl(attach_fd, F_SETFD, FD_CLOEXEC);
	} else {
		attach_fd = listen_unix("attach", SOCK_SEQPACKET);
	}
	if (cfg.attach_wait) {
		// The caller attaches before the container starts: take its connection first.
		struct pollfd p = {.fd = attach_fd, .events = POLLIN};
		if (poll(&p, 1, 10000) > 0)
			accept_client();
	}

	status = run_create(stdin_r, stdout_w, stderr_w, console_listen);
	if (console_listen >= 0) {
		close(console_listen);
		unlink("console.sock");
	}
	close(stdout_w);
	if (stderr_w != stdout_w)
		close(stderr_w);
	if (stdin_r != devnull)
		close(stdin_r);
	pid = read_pid_file();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || pid <= 0 || (cfg.terminal && out_fd < 0)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			status = 1 << 8; // created without a pid or a pty: report a failure
		report_create_failure(status, errpipe[0]);
		_exit(1);
	}
	if (cfg.terminal) {
		close(errpipe[0]);
		in_fd = out_fd;
	}
	set_nonblock(out_fd);
	if (err_fd >= 0)
		set_nonblock(err_fd);
	if (in_fd >= 0)
		set_nonblock(in_fd);
	open_oom_control(pid);
	if (cfg.nstart > 0) {
		dprintf(cfg.sync_fd, "created %d %d\n", pid, getpid());
		start_container(pid);
	} else {
		dprintf(cfg.sync_fd, "ok %d %d\n", pid, getpid());
		close(cfg.sync_fd);
		cfg.sync_fd = -1;
	}

	code = serve(pid, sigfd);
	write_oom_file();
	write_exit_file(code);
	// Delete the runtime's state while the attached client cleans up the rest.
	delete_pid = cfg.ndelete > 0 ? spawn(cfg.delete_cmd, devnull) : -1;
	finish(code);
	while (delete_pid > 0 && waitpid(delete_pid, &status, 0) < 0 && errno == EINTR)
		;
	// Under systemd the monitor can be a unit's main process (MAINPID=): it ends with the container's code.
	if (cleanup_done || cfg.nexit == 0)
		_exit(code);
	// The run directory may be gone (the container was removed meanwhile).
	if (chdir("/") < 0)
		_exit(1);
	// Run the clean-up in place of the monitor: no extra process, and the exit file is already written.
	sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	signal(SIGPIPE, SIG_DFL);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	execv(cfg.exit_cmd[0], (char *const *) cfg.exit_cmd);
	_exit(127);
}

// glibc passes argc, argv and envp to constructors.
__attribute__((constructor)) static void skiff_monitor_init(int argc, char **argv, char **envp)
{
	(void) envp;
	if (getenv("_SKIFF_MONITOR") == NULL)
		return;
	unsetenv("_SKIFF_MONITOR");
	monitor_main(argc, argv);
}
