#ifndef SKIFF_MONITOR_H
#define SKIFF_MONITOR_H
#include <stddef.h>
#include <time.h>

// Frame types on the attach socket (SOCK_SEQPACKET: one message = one frame = type byte + payload).
// Kept in sync with attach.go.
#define SKIFF_FRAME_STDIN 1     // client -> monitor: bytes for the container's stdin
#define SKIFF_FRAME_STDOUT 2    // monitor -> client: container stdout (all output with a terminal)
#define SKIFF_FRAME_STDERR 3    // monitor -> client: container stderr
#define SKIFF_FRAME_EXIT 4      // monitor -> client: decimal exit code; the container is gone
#define SKIFF_FRAME_RESIZE 5    // client -> monitor: "ROWS COLS"
#define SKIFF_FRAME_STDIN_EOF 6 // client -> monitor: close the container's stdin
#define SKIFF_FRAME_CLAIM 7     // client -> monitor: the client will clean up after the exit
#define SKIFF_FRAME_DONE 8      // client -> monitor: the client cleaned up; skip the exit command

// The largest frame payload.
#define SKIFF_FRAME_MAX 8192

// argv[0] of a monitor process.
#define SKIFF_MONITOR_ARGV0 "skiff-monitor"

// skiff_k8s_format renders one chunk of container output as k8s-file log lines: every complete line
// as "TIME STREAM F text\n", a trailing piece without newline as "TIME STREAM P text\n". It returns
// the number of bytes written to out, which must hold len + 64 bytes per line of data.
size_t skiff_k8s_format(char *out, const struct timespec *ts, const char *stream, const char *data, size_t len);

// skiff_k8s_timestamp writes ts as RFC 3339 with nanoseconds and the local offset
// ("2026-11-22T18:52:48.610911317+00:00") and returns its length.
size_t skiff_k8s_timestamp(char *out, size_t cap, const struct timespec *ts);
#endif
