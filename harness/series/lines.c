/* series/lines.c - the buffered line reader of series/lines.h. */
#include "series/lines.h"

#include <errno.h>
#include <leakgate/error.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BUF_BYTES (2 * LG_LINE_MAX)

int lg__lines_open(const char *path, FILE **f, lg_error *err) {
  struct stat st;
  *f = fopen(path, "r");
  if (!*f)
    return lg_error_set(err, errno == ENOENT ? LG_ENOENT : LG_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  if (fstat(fileno(*f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(*f);
    *f = NULL;
    return lg_error_set(err, LG_EINPUT, "%s: is a directory, not a file", path);
  }
  return 0;
}

int lg__lines_init(lg_lines *r, FILE *f) {
  memset(r, 0, sizeof *r);
  r->f = f;
  r->buf = malloc(BUF_BYTES);
  return r->buf ? 0 : LG_ENOMEM;
}

void lg__lines_cleanup(lg_lines *r) {
  free(r->buf);
  r->buf = NULL;
}

int lg__lines_next(lg_lines *r, char **line, size_t *len) {
  for (;;) {
    char *start = r->buf + r->pos;
    size_t avail = r->len - r->pos;
    char *nl = memchr(start, '\n', avail);
    if (nl || (r->eof && avail > 0)) {
      size_t n = nl ? (size_t)(nl - start) : avail;
      if (n > LG_LINE_MAX)
        return LG_EINPUT;
      r->pos += nl ? n + 1 : n;
      if (n > 0 && start[n - 1] == '\r')
        n--;
      start[n] = '\0';
      *line = start;
      *len = n;
      r->lineno++;
      return 1;
    }
    if (r->eof)
      return 0;
    if (avail > LG_LINE_MAX)
      return LG_EINPUT;
    memmove(r->buf, start, avail);
    r->len = avail;
    r->pos = 0;
    {
      /* Keep one byte for the terminating NUL of an unterminated last line. */
      size_t got = fread(r->buf + r->len, 1, BUF_BYTES - r->len - 1, r->f);
      r->len += got;
      if (got == 0) {
        if (ferror(r->f))
          return LG_EIO;
        r->eof = 1;
      }
    }
  }
}
