/* series/lines.h - a line reader over a FILE with a fixed buffer, shared
 * by the CSV and the Prometheus text readers: a line is at most
 * LG_LINE_MAX bytes, "\n" or "\r\n" ends it, a last line without a newline
 * counts. Memory: one buffer of 2 * LG_LINE_MAX bytes, whatever the input.
 * Ownership: lg__lines_init allocates the buffer, lg__lines_cleanup frees it;
 * the FILE stays the caller's. */
#ifndef LG_SERIES_LINES_H
#define LG_SERIES_LINES_H

#include <leakgate/error.h>
#include <stdio.h>

#define LG_LINE_MAX (64 * 1024)

typedef struct lg_lines {
  FILE *f;
  char *buf;
  size_t len, pos; /* valid bytes, start of the next line */
  int eof;
  size_t lineno; /* of the line last returned (1-based) */
} lg_lines;

/* Open path for reading into *f: LG_ENOENT or LG_EIO when it cannot be,
 * LG_EINPUT for a directory (it opens, then fails to read: bad input, not
 * an I/O failure). A pipe is fine: the readers make one pass. */
int lg__lines_open(const char *path, FILE **f, lg_error *err);
/* 0, or LG_ENOMEM. */
int lg__lines_init(lg_lines *r, FILE *f);
void lg__lines_cleanup(lg_lines *r);
/* Next line without its "\n" or "\r\n", NUL-terminated in place (valid
 * until the next call). Returns 1, 0 at end of file, LG_EIO on a read
 * error, LG_EINPUT when a line exceeds LG_LINE_MAX. */
int lg__lines_next(lg_lines *r, char **line, size_t *len);

#endif
