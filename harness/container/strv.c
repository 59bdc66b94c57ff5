/* container/strv.c - NULL-terminated string vectors for the command lines
 * and environments the wrapping backends build (see container/ct_int.h).
 * Owns the strings pushed; ct_strv_take hands the vector to the caller,
 * who frees it with ct_strv_free. A failed push leaves the vector as it
 * was. At most CT_STRV_MAX entries: an argv longer than that is refused. */
#include "container/ct_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(ct_strv *sv) {
  size_t want;
  char **nv;
  if (sv->n + 2 <= sv->alloc)
    return 0;
  if (sv->n + 2 > CT_STRV_MAX)
    return LG_ELIMIT;
  want = sv->alloc ? sv->alloc * 2 : 16;
  nv = realloc(sv->v, want * sizeof *nv);
  if (!nv)
    return LG_ENOMEM;
  sv->v = nv;
  sv->alloc = want;
  return 0;
}

int ct_strv_push(ct_strv *sv, const char *s) {
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

int ct_strv_pushf(ct_strv *sv, const char *fmt, ...) {
  va_list ap;
  char *s = NULL;
  int n, rc;
  va_start(ap, fmt);
  n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0)
    return LG_ENOMEM;
  rc = ct_strv_push(sv, s);
  free(s);
  return rc;
}

char **ct_strv_take(ct_strv *sv) {
  char **v;
  if (!sv->v && grow(sv) == 0 && sv->v) /* an empty vector is {NULL} */
    sv->v[0] = NULL;
  v = sv->v;
  sv->v = NULL;
  sv->n = sv->alloc = 0;
  return v;
}

void ct_strv_free(char **v) {
  size_t i;
  for (i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

void ct_strv_cleanup(ct_strv *sv) {
  size_t i;
  for (i = 0; i < sv->n; i++)
    free(sv->v[i]);
  free(sv->v);
  sv->v = NULL;
  sv->n = sv->alloc = 0;
}

bool ct_env_is(const char *entry, const char *name) {
  size_t l = strlen(name);
  return strncmp(entry, name, l) == 0 && entry[l] == '=';
}
