/* service/capture.h - internal: the thread that drains a service's stdout
 * and stderr pipes into capped log files.
 *
 * One thread polls both pipes (and a stop eventfd), so a service writing
 * as fast as it can never blocks on a full pipe: bytes past the cap are
 * read and dropped, and the log file says so. Complete lines are matched
 * against the readiness regex (POSIX extended, core/regex.h) until one matches;
 * the last LG_CAPTURE_TAIL bytes of stderr are kept for error messages.
 * Ownership: lg_capture is embedded in lg_service (_start/_stop); it owns
 * the read ends of the pipes, the log file descriptors and the regex.
 * lg__capture_stop joins the thread and closes all of them.
 */
#ifndef LG_SERVICE_CAPTURE_H
#define LG_SERVICE_CAPTURE_H

#include "core/regex.h"

#include <leakgate/error.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define LG_CAPTURE_TAIL 4096
#define LG_CAPTURE_LINE 4096

/* Called on the capture thread with every complete line (newline removed,
 * cut at LG_CAPTURE_LINE bytes, NUL bytes turned into spaces) of stream 0
 * (stdout) or 1 (stderr), after it was written to the log. */
typedef void (*lg_capture_line_cb)(void *ctx, int stream, const char *line,
                                   size_t len);

typedef struct lg_capture_stream {
  int in_fd;      /* pipe read end, -1 when closed or unused */
  int out_fd;     /* log file, -1 when not written */
  size_t kept;    /* bytes written to the log */
  size_t dropped; /* bytes read past the cap */
  bool write_failed;
  int write_errno; /* why the log stopped (EIO for a short write); under mu */
  char line[LG_CAPTURE_LINE + 1];
  size_t line_len;
} lg_capture_stream;

typedef struct lg_capture {
  pthread_t thread;
  bool started;
  pthread_mutex_t mu; /* guards matched, eof, tail */
  int stop_fd;        /* eventfd: ask the thread to drain and exit */
  size_t cap;
  lg_capture_stream s[2]; /* 0 stdout, 1 stderr */
  bool eof[2];
  lg_regex *re; /* NULL: no readiness regex */
  bool matched;
  char tail[LG_CAPTURE_TAIL];
  size_t tail_len; /* valid bytes at the start of tail */
  lg_capture_line_cb on_line; /* NULL: lines are only split for the regex */
  void *line_ctx;
} lg_capture;

/* Start draining. out_rd/err_rd are pipe read ends (-1 = not captured; the
 * capture takes them over), out_path/err_path the log files (NULL = drain
 * without a file), regex the readiness pattern or NULL, on_line a callback
 * for every line or NULL. On failure nothing is left open except what the
 * caller still owns (the fds are closed). */
int lg__capture_start(lg_capture *c, int out_rd, const char *out_path,
                      int err_rd, const char *err_path, size_t cap,
                      const char *regex, lg_capture_line_cb on_line,
                      void *line_ctx, lg_error *err);
/* A captured line matched the regex. */
bool lg__capture_matched(lg_capture *c);
/* stderr reached end of file (every writer closed it). */
bool lg__capture_stderr_eof(lg_capture *c);
/* Copy the last up to cap-1 bytes of stderr into buf, NUL-terminated. */
size_t lg__capture_tail(lg_capture *c, char *buf, size_t cap);
/* The errno of the first log that could not be written (0: none) and its
 * stream (0 stdout, 1 stderr). Thread-safe. */
int lg__capture_write_error(lg_capture *c, int *stream);
/* Drain what is readable now, write the truncation notes, join, close. */
void lg__capture_stop(lg_capture *c);

#endif
