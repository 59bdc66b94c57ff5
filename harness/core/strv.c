/* core/strv.c - NULL-terminated string vectors (see core/strv.h).
 * Owns the strings pushed; lg__strv_take hands the vector to the caller,
 * who frees it with lg__strv_free. A failed push leaves the vector as it
 * was. At most LG_STRV_MAX entries: an argv longer than that is refused. */
#include "core/strv.h"

#include <leakgate/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(lg_strv *sv) {
  size_t want;
  char **nv;
  if (sv->n + 2 <= sv->alloc)
    return 0;
  if (sv->n + 2 > LG_STRV_MAX)
    return LG_ELIMIT;
  want = sv->alloc ? sv->alloc * 2 : 16;
  nv = realloc(sv->v, want * sizeof *nv);
  if (!nv)
    return LG_ENOMEM;
  sv->v = nv;
  sv->alloc = want;
  return 0;
}

int lg__strv_push(lg_strv *sv, const char *s) {
  char *copy;
  int rc = grow(sv);
  if (rc)
    return rc;
  copy = strdup(s);
  if (!copy)
    return LG_ENOMEM;
  sv->v[sv->n++] = copy;
  sv->v[sv->n] = NULL;
  return 0;
}

int lg__strv_pushf(lg_strv *sv, const char *fmt, ...) {
  va_list ap;
  char *s = NULL;
  int n, rc;
  va_start(ap, fmt);
  n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0)
    return LG_ENOMEM;
  rc = lg__strv_push(sv, s);
  free(s);
  return rc;
}

char **lg__strv_take(lg_strv *sv) {
  char **v;
  if (!sv->v && grow(sv) == 0 && sv->v) /* an empty vector is {NULL} */
    sv->v[0] = NULL;
  v = sv->v;
  sv->v = NULL;
  sv->n = sv->alloc = 0;
  return v;
}

void lg__strv_free(char **v) {
  size_t i;
  for (i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

void lg__strv_cleanup(lg_strv *sv) {
  size_t i;
  for (i = 0; i < sv->n; i++)
    free(sv->v[i]);
  free(sv->v);
  sv->v = NULL;
  sv->n = sv->alloc = 0;
}
