/* core/buf.h - growable byte buffer with a hard cap (curl's dynbuf idea)
 * and a sticky error (sqlite3_str's idea).
 *
 * Ownership: lg_buf is embedded by its user (_init/_cleanup); it owns data.
 * Every append fails with LG_ELIMIT instead of growing past cap, so no input
 * (a flooding service, a huge file) can make leakgate itself grow unbounded.
 * The first failure (LG_ELIMIT, LG_ENOMEM, a bad format, or one recorded
 * with lg__buf_fail) sticks: later appends do nothing and return it, so a
 * writer appends freely and checks lg__buf_error once at the end, and the
 * text never has a hole where one append failed and the next did not.
 * data is always NUL-terminated after a successful append; reset and
 * cleanup clear the error.
 */
#ifndef LG_CORE_BUF_H
#define LG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct lg_buf {
  char *data;
  size_t len;
  size_t alloc;
  size_t cap; /* hard maximum of len */
  int err;    /* the first failure (negative LG_E*), 0 while none */
} lg_buf;

void lg__buf_init(lg_buf *b, size_t cap);
void lg__buf_cleanup(lg_buf *b);
void lg__buf_reset(lg_buf *b);
int lg__buf_append(lg_buf *b, const void *data, size_t len);
int lg__buf_appends(lg_buf *b, const char *s);
int lg__buf_appendf(lg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int lg__buf_vappendf(lg_buf *b, const char *fmt, va_list ap);
/* Grow the array *arr of *cap elements of sz bytes to hold need elements,
 * doubling from 16, never beyond max elements: 0 (also when it holds need
 * already), LG_ELIMIT when need > max, LG_ENOMEM; *arr and *cap are
 * unchanged on failure. sz must be > 0 (LG_ELIMIT otherwise). */
int lg__grow(void **arr, size_t *cap, size_t need, size_t sz, size_t max);
/* The sticky error: 0, or the first failure's negative LG_E*. */
int lg__buf_error(const lg_buf *b);
/* Record a failure outside the buffer (an allocation the writer made),
 * unless one is recorded already; returns the buffer's error. */
int lg__buf_fail(lg_buf *b, int rc);
/* Hand the data to the caller (who frees it) and reset the buffer. */
char *lg__buf_steal(lg_buf *b);

#endif
