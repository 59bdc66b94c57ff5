/* service/capture.c - drain a service's output pipes into capped logs
 * (see service/capture.h).
 *
 * Cost: one poll(2) wake-up per burst of output, reads of up to 64 KiB, and
 * a regex match per complete line only until the readiness regex has matched;
 * with a line callback (the runtime's GC report, runtime/monitor.c) every
 * line is also split out and handed over, after the bytes went to the log.
 * Lines longer than LG_CAPTURE_LINE are matched on their first
 * LG_CAPTURE_LINE bytes. A log write error (disk full) stops writing that
 * log but never stops draining: the service must not block on us; it is
 * kept (lg__capture_write_error) for the run to report.
 */
#include "core/fsutil.h"
#include "service/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 65536

static void write_log(lg_capture *c, lg_capture_stream *st, const char *p,
                      size_t n) {
  while (n > 0 && st->out_fd >= 0 && !st->write_failed) {
    ssize_t w = write(st->out_fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      st->write_failed = true;
      pthread_mutex_lock(&c->mu);
      if (!st->write_errno)
        st->write_errno = e; /* the run reports it (disk full) */
      pthread_mutex_unlock(&c->mu);
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

/* A complete line of stream st: the readiness regex (until it matched)
 * and the line callback (every line). */
static void end_line(lg_capture *c, lg_capture_stream *st, int stream) {
  if (c->re && !c->matched && lg__regex_match(c->re, st->line, st->line_len)) {
    pthread_mutex_lock(&c->mu);
    c->matched = true;
    pthread_mutex_unlock(&c->mu);
  }
  if (c->on_line)
    c->on_line(c->line_ctx, stream, st->line, st->line_len);
  st->line_len = 0;
}

static void scan_lines(lg_capture *c, lg_capture_stream *st, int stream,
                       const char *p, size_t n) {
  size_t i;
  for (i = 0; i < n && (c->on_line || !c->matched); i++) {
    if (p[i] == '\n') {
      end_line(c, st, stream);
    } else if (st->line_len < LG_CAPTURE_LINE) {
      st->line[st->line_len++] = p[i] ? p[i] : ' ';
    }
  }
}

static void keep_tail(lg_capture *c, const char *p, size_t n) {
  pthread_mutex_lock(&c->mu);
  if (n >= LG_CAPTURE_TAIL) {
    memcpy(c->tail, p + n - LG_CAPTURE_TAIL, LG_CAPTURE_TAIL);
    c->tail_len = LG_CAPTURE_TAIL;
  } else {
    size_t keep =
        c->tail_len + n > LG_CAPTURE_TAIL ? LG_CAPTURE_TAIL - n : c->tail_len;
    memmove(c->tail, c->tail + c->tail_len - keep, keep);
    memcpy(c->tail + keep, p, n);
    c->tail_len = keep + n;
  }
  pthread_mutex_unlock(&c->mu);
}

/* Read once from stream i; returns bytes read, 0 at EOF, -1 for EAGAIN. */
static ssize_t pump(lg_capture *c, int i, char *buf) {
  lg_capture_stream *st = &c->s[i];
  ssize_t n;
  do
    n = read(st->in_fd, buf, READ_CHUNK);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return -1;
  if (n <= 0) {
    if (((c->re && !c->matched) || c->on_line) && st->line_len > 0)
      end_line(c, st, i); /* a last line without a newline */
    close(st->in_fd);
    st->in_fd = -1;
    pthread_mutex_lock(&c->mu);
    c->eof[i] = true;
    pthread_mutex_unlock(&c->mu);
    return 0;
  }
  if (st->kept < c->cap) {
    size_t room = c->cap - st->kept, w = (size_t)n < room ? (size_t)n : room;
    write_log(c, st, buf, w);
    st->kept += w;
    st->dropped += (size_t)n - w;
  } else {
    st->dropped += (size_t)n;
  }
  if ((c->re && !c->matched) || c->on_line)
    scan_lines(c, st, i, buf, (size_t)n);
  if (i == 1)
    keep_tail(c, buf, (size_t)n);
  return n;
}

static void *capture_main(void *arg) {
  lg_capture *c = arg;
  char *buf = malloc(READ_CHUNK);
  bool stopping = false;
  int i;

  for (;;) {
    struct pollfd p[3];
    int nfds = 0, map[3];
    for (i = 0; i < 2; i++)
      if (c->s[i].in_fd >= 0) {
        p[nfds].fd = c->s[i].in_fd;
        p[nfds].events = POLLIN;
        map[nfds++] = i;
      }
    if (nfds == 0 || stopping || !buf)
      break;
    p[nfds].fd = c->stop_fd;
    p[nfds].events = POLLIN;
    map[nfds] = -1;
    if (poll(p, (nfds_t)nfds + 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (i = 0; i <= nfds; i++) {
      if (!p[i].revents)
        continue;
      if (map[i] < 0)
        stopping = true;
      else
        (void)pump(c, map[i], buf);
    }
  }
  /* Stop requested (a daemon may hold the pipes open forever): take what
   * is readable now, then let go. */
  for (i = 0; i < 2 && buf; i++)
    while (c->s[i].in_fd >= 0 && pump(c, i, buf) > 0)
      ;
  free(buf);
  return NULL;
}

int lg__capture_start(lg_capture *c, int out_rd, const char *out_path,
                      int err_rd, const char *err_path, size_t cap,
                      const char *regex, lg_capture_line_cb on_line,
                      void *line_ctx, lg_error *err) {
  const char *paths[2] = {out_path, err_path};
  int fds[2] = {out_rd, err_rd};
  int i, r, rc = 0;

  memset(c, 0, sizeof *c);
  c->stop_fd = -1;
  c->cap = cap;
  c->on_line = on_line;
  c->line_ctx = line_ctx;
  pthread_mutex_init(&c->mu, NULL);
  for (i = 0; i < 2; i++) {
    c->s[i].in_fd = fds[i];
    c->s[i].out_fd = -1;
    c->eof[i] = fds[i] < 0;
  }
  for (i = 0; i < 2; i++) {
    if (fds[i] >= 0 && fcntl(fds[i], F_SETFL, O_NONBLOCK) != 0) {
      rc = lg_error_set(err, LG_ESYS, "fcntl: %s", strerror(errno));
      goto cleanup;
    }
    if (fds[i] >= 0 && paths[i]) {
      c->s[i].out_fd = lg__create_file(paths[i], err);
      if (c->s[i].out_fd < 0) {
        rc = c->s[i].out_fd;
        c->s[i].out_fd = -1;
        goto cleanup;
      }
    }
  }
  if (regex) {
    char msg[256];
    if (lg__regex_compile(regex, &c->re, msg, sizeof msg) != 0) {
      rc = lg_error_set(err, LG_EINPUT,
                        "ready.log: bad regular expression "
                        "'%.200s': %s",
                        regex, msg);
      goto cleanup;
    }
  }
  c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (c->stop_fd < 0) {
    rc = lg_error_set(err, LG_ESYS, "eventfd: %s", strerror(errno));
    goto cleanup;
  }
  r = pthread_create(&c->thread, NULL, capture_main, c);
  if (r != 0) {
    rc = lg_error_set(err, LG_ESYS, "cannot start the capture thread: %s",
                      strerror(r));
    goto cleanup;
  }
  c->started = true;
cleanup:
  if (rc)
    lg__capture_stop(c);
  return rc;
}

bool lg__capture_matched(lg_capture *c) {
  bool m;
  pthread_mutex_lock(&c->mu);
  m = c->matched;
  pthread_mutex_unlock(&c->mu);
  return m;
}

bool lg__capture_stderr_eof(lg_capture *c) {
  bool e;
  pthread_mutex_lock(&c->mu);
  e = c->eof[1];
  pthread_mutex_unlock(&c->mu);
  return e;
}

size_t lg__capture_tail(lg_capture *c, char *buf, size_t cap) {
  size_t n;
  if (cap == 0)
    return 0;
  pthread_mutex_lock(&c->mu);
  n = c->tail_len < cap - 1 ? c->tail_len : cap - 1;
  memcpy(buf, c->tail + c->tail_len - n, n);
  pthread_mutex_unlock(&c->mu);
  buf[n] = '\0';
  return n;
}

int lg__capture_write_error(lg_capture *c, int *stream) {
  int i, e = 0;
  pthread_mutex_lock(&c->mu);
  for (i = 0; i < 2 && !e; i++)
    if ((e = c->s[i].write_errno) != 0 && stream)
      *stream = i;
  pthread_mutex_unlock(&c->mu);
  return e;
}

void lg__capture_stop(lg_capture *c) {
  int i;
  if (c->started) {
    uint64_t one = 1;
    if (write(c->stop_fd, &one, sizeof one) < 0) {
      /* an eventfd write only fails on overflow: the thread is woken */
    }
    pthread_join(c->thread, NULL);
    c->started = false;
  }
  for (i = 0; i < 2; i++) {
    lg_capture_stream *st = &c->s[i];
    if (st->out_fd >= 0) {
      if (st->dropped) {
        char note[160];
        int n = snprintf(note, sizeof note,
                         "\n[leakgate: log capped at %zu "
                         "bytes; %zu more bytes were discarded]\n",
                         c->cap, st->dropped);
        st->write_failed = false; /* the note is worth one more try */
        write_log(c, st, note, (size_t)n);
      }
      close(st->out_fd);
      st->out_fd = -1;
    }
    if (st->in_fd >= 0) {
      close(st->in_fd);
      st->in_fd = -1;
    }
  }
  if (c->stop_fd >= 0)
    close(c->stop_fd);
  c->stop_fd = -1;
  lg__regex_free(c->re);
  c->re = NULL;
  pthread_mutex_destroy(&c->mu);
}
