/* core/buf.c - capped growable buffer with a sticky error (core/buf.h). */
#include "core/buf.h"

#include <leakgate/error.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg__buf_init(lg_buf *b, size_t cap) {
  b->data = NULL;
  b->len = 0;
  b->alloc = 0;
  b->cap = cap;
  b->err = 0;
}

void lg__buf_cleanup(lg_buf *b) {
  free(b->data);
  lg__buf_init(b, b->cap);
}

void lg__buf_reset(lg_buf *b) {
  b->len = 0;
  b->err = 0;
  if (b->data)
    b->data[0] = '\0';
}

int lg__buf_error(const lg_buf *b) {
  return b->err;
}

int lg__buf_fail(lg_buf *b, int rc) {
  assert(rc < 0); /* a failure: 0 would record nothing and hide it */
  if (!b->err)
    b->err = rc;
  return b->err;
}

static int reserve(lg_buf *b, size_t extra) {
  size_t need, n;
  char *p;
  /* the cap is never passed, and data always has room for the NUL */
  assert(b->len <= b->cap && (!b->data || b->len < b->alloc));
  if (b->err)
    return b->err;
  if (extra > b->cap || b->len > b->cap - extra)
    return b->err = LG_ELIMIT;
  need = b->len + extra + 1;
  if (need <= b->alloc)
    return 0;
  n = b->alloc ? b->alloc : 64;
  while (n < need)
    n *= 2;
  p = realloc(b->data, n);
  if (!p)
    return b->err = LG_ENOMEM;
  b->data = p;
  b->alloc = n;
  return 0;
}

int lg__grow(void **arr, size_t *cap, size_t need, size_t sz, size_t max) {
  size_t n;
  void *p;
  if (need <= *cap)
    return 0;
  if (need > max)
    return LG_ELIMIT;
  n = *cap ? *cap : 16;
  while (n < need)
    n *= 2;
  if (n > max)
    n = max;
  /* sz 0 is a caller's bug: refuse it rather than realloc 0 bytes */
  if (sz == 0 || n > SIZE_MAX / sz)
    return LG_ELIMIT;
  p = realloc(*arr, n * sz);
  if (!p)
    return LG_ENOMEM;
  *arr = p;
  *cap = n;
  return 0;
}

int lg__buf_append(lg_buf *b, const void *data, size_t len) {
  int rc = reserve(b, len);
  if (rc)
    return rc;
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int lg__buf_appends(lg_buf *b, const char *s) {
  return lg__buf_append(b, s, strlen(s));
}

int lg__buf_vappendf(lg_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  int n, rc;
  if (b->err)
    return b->err;
  va_copy(ap2, ap);
  n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return b->err = LG_EINPUT;
  rc = reserve(b, (size_t)n);
  if (rc)
    return rc;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int lg__buf_appendf(lg_buf *b, const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = lg__buf_vappendf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *lg__buf_steal(lg_buf *b) {
  char *p = b->data;
  if (!p)
    p = calloc(1, 1);
  lg__buf_init(b, b->cap);
  return p;
}
