/* series/csv_writer.c - the samples.csv writer (see leakgate/series.h).
 *
 * Owns: the open file descriptor and the writer struct; close frees both.
 * Each row is formatted into a stack buffer and handed to the kernel with
 * write(2) at once (no stdio buffer), so an OOM kill or crash of anything
 * afterwards loses no row already appended. Numbers are plain decimal:
 * bytes as integers ("%.0f" never switches to an exponent), t_s with
 * microsecond precision; an unknown value (NAN, -1) is an empty cell.
 * The file is created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644: a symlink
 * (or anything not a regular file) planted at the path is refused; a
 * regular file left by an earlier run into the same out dir is replaced.
 * A failed write (disk full, file size limit) is returned, stays sticky,
 * and is returned again by close: rows are never dropped silently. The
 * part of a row that did get out is cut off again (ftruncate to the last
 * whole row), so readers never see a half row.
 * The run reads its own samples back through lg_samples_writer_reader:
 * the open file (reopened through /proc/self/fd), not the path, so nothing
 * another process puts at the path is ever judged.
 * What a failure leaves behind: the whole rows written before it.
 */
#include <leakgate/series.h>

#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROW_MAX 512
#define PHASE_MAX 64

/* Columns after phase were appended later (never reorder): the managed
 * runtime's GC view, empty for a native service. */
static const char header[] =
    "t_s,requests,rss_bytes,anon_bytes,pss_bytes,cgroup_bytes,procs,fds,"
    "phase,heap_live_bytes,gc_count,gc_pause_s\n";

struct lg_samples_writer {
  int fd;
  char *path;
  int failed; /* sticky error code, 0 when fine */
  off_t size; /* bytes of whole rows (and the header) written */
  char failure[LG_ERROR_MSG_MAX];
  size_t rows;
};

static int write_all(lg_samples_writer *w, const char *p, size_t n,
                     lg_error *err) {
  size_t total = n;
  while (n > 0) {
    ssize_t r = write(w->fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      w->failed = LG_EIO;
      snprintf(w->failure, sizeof w->failure, "%s: cannot write row %zu: %s",
               w->path, w->rows + 1, r < 0 ? strerror(errno) : "short write");
      if (ftruncate(w->fd, w->size) != 0) {
        /* the half row stays; the sticky error already reports the file */
      }
      return lg_error_set(err, LG_EIO, "%s", w->failure);
    }
    p += r;
    n -= (size_t)r;
  }
  w->size += (off_t)total;
  return 0;
}

void lg_sample_init(lg_sample *s) {
  memset(s, 0, sizeof *s);
  s->t_s = s->rss_bytes = s->anon_bytes = s->pss_bytes = NAN;
  s->cgroup_bytes = s->heap_live_bytes = s->gc_pause_s = NAN;
  s->requests = s->gc_count = -1;
  s->procs = s->fds = -1;
  s->phase = "";
}

int lg_samples_writer_open(const char *path, lg_samples_writer **out,
                           lg_error *err) {
  lg_samples_writer *w = NULL;
  int fd, rc;

  *out = NULL;
  fd = lg__create_file(path, err);
  if (fd < 0)
    return fd;
  w = calloc(1, sizeof *w);
  if (w)
    w->fd = -1;
  if (!w || !(w->path = strdup(path))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  w->fd = fd;
  fd = -1;
  rc = write_all(w, header, sizeof header - 1, err);
  if (rc)
    goto cleanup;
  *out = w;
  w = NULL;
cleanup:
  if (fd >= 0)
    close(fd);
  if (w) {
    if (w->fd >= 0)
      close(w->fd);
    unlink(path); /* no half-made file: not even the header got out */
    free(w->path);
    free(w);
  }
  return rc;
}

/* Append ",<value>", or "," for unknown. Bytes are integers below 1e19
 * (2^64), so a cell is at most 21 characters and a row fits ROW_MAX. */
static size_t cell_bytes(char *p, double v) {
  if (!isfinite(v) || v < 0 || v >= 1e19) {
    *p = ',';
    return 1;
  }
  return (size_t)snprintf(p, 32, ",%.0f", v);
}

static size_t cell_count(char *p, long long v) {
  if (v < 0) {
    *p = ',';
    return 1;
  }
  return (size_t)snprintf(p, 32, ",%lld", v);
}

int lg_samples_writer_append(lg_samples_writer *w, const lg_sample *s,
                             lg_error *err) {
  char row[ROW_MAX];
  size_t len = 0, i;
  int n;

  if (w->failed)
    return lg_error_set(err, w->failed, "%s", w->failure);
  /* t_s below 1e12 s: at most 20 characters in %.6f. Microseconds keep
   * rows strictly ordered even when a final sample follows a tick. */
  n = isfinite(s->t_s) && fabs(s->t_s) < 1e12
          ? snprintf(row, 32, "%.6f", s->t_s)
          : 0;
  len = (size_t)n;
  len += cell_count(row + len, (long long)s->requests);
  len += cell_bytes(row + len, s->rss_bytes);
  len += cell_bytes(row + len, s->anon_bytes);
  len += cell_bytes(row + len, s->pss_bytes);
  len += cell_bytes(row + len, s->cgroup_bytes);
  len += cell_count(row + len, s->procs);
  len += cell_count(row + len, s->fds);
  row[len++] = ',';
  /* The phase name is a bare cell: characters that would break the CSV
   * (separators, quotes, line breaks, controls) become '_'. */
  for (i = 0; s->phase && s->phase[i] && i < PHASE_MAX; i++) {
    unsigned char ch = (unsigned char)s->phase[i];
    row[len++] =
        (ch < 0x20 || ch == ',' || ch == '"' || ch == 0x7f) ? '_' : (char)ch;
  }
  len += cell_bytes(row + len, s->heap_live_bytes);
  len += cell_count(row + len, s->gc_count);
  /* Seconds with microsecond precision, as t_s (at most 21 characters). */
  if (isfinite(s->gc_pause_s) && s->gc_pause_s >= 0 && s->gc_pause_s < 1e12)
    len += (size_t)snprintf(row + len, 32, ",%.6f", s->gc_pause_s);
  else
    row[len++] = ',';
  row[len++] = '\n';
  if (write_all(w, row, len, err))
    return LG_EIO;
  w->rows++;
  return 0;
}

int lg_samples_writer_reader(lg_samples_writer *w, FILE **out, lg_error *err) {
  char link[64];
  FILE *f;
  int fd;
  *out = NULL;
  /* A description of its own (the /proc link reopens this very inode, even
   * when it was unlinked or replaced at the path): its own offset. */
  snprintf(link, sizeof link, "/proc/self/fd/%d", w->fd);
  fd = open(link, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return lg_error_set(err, LG_EIO, "%s: cannot read back: %s", w->path,
                        strerror(errno));
  f = fdopen(fd, "r");
  if (!f) {
    close(fd);
    return lg_error_set(err, LG_ENOMEM, "%s: out of memory", w->path);
  }
  *out = f;
  return 0;
}

int lg_samples_writer_close(lg_samples_writer *w, lg_error *err) {
  int rc = 0;
  if (!w)
    return 0;
  if (w->failed)
    rc = lg_error_set(err, w->failed, "%s", w->failure);
  if (close(w->fd) != 0 && !rc)
    rc = lg_error_set(err, LG_EIO, "%s: close failed: %s", w->path,
                      strerror(errno));
  free(w->path);
  free(w);
  return rc;
}
