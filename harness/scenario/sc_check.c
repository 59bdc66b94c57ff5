/* scenario/sc_check.c - typed getters of the scenario loader: a yt_node in,
 * a C value or an error out (see sc_internal.h for the getter contract), plus
 * template checks and path resolution. Allocates only the values handed to
 * the caller; a failure leaves the target field unchanged.
 */
#include "scenario/sc_internal.h"

#include "core/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <leakgate/template.h>
#include <leakgate/units.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A short printable excerpt of a scalar for messages. */
static const char *excerpt(const yt_node *v, char *buf, size_t cap) {
  size_t n = strlen(v->str);
  if (n + 1 <= cap && n < 64) {
    memcpy(buf, v->str, n + 1);
  } else {
    snprintf(buf, cap, "%.48s...", v->str);
  }
  return buf;
}

int lg__sc_require(sc_ctx *c, const yt_node *parent, const yt_node *v,
                   const char *path, const char *hint) {
  if (lg__sc_set(v))
    return 0;
  if (v)
    return lg__sc_fail(c, v, path, "a value is required%s", hint);
  return lg__sc_fail(c, parent, path, "required key is missing%s", hint);
}

int lg__sc_scalar(sc_ctx *c, const yt_node *v, const char *path,
                  const char *what) {
  if (v->kind != YT_SCALAR)
    return lg__sc_fail(c, v, path, "expected %s, got %s", what, lg__sc_kind(v));
  return 0;
}

int lg__sc_get_bytes(sc_ctx *c, const yt_node *v, const char *path, char **out,
                     size_t *len) {
  char *s;
  if (!lg__sc_set(v))
    return 0;
  if (lg__sc_scalar(c, v, path, "a string"))
    return LG_EINPUT;
  if (!(s = malloc(v->len + 1)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  memcpy(s, v->str, v->len + 1);
  free(*out);
  *out = s;
  if (len)
    *len = v->len;
  return 0;
}

int lg__sc_get_str(sc_ctx *c, const yt_node *v, const char *path, char **out) {
  if (lg__sc_set(v) && v->kind == YT_SCALAR && strlen(v->str) != v->len)
    return lg__sc_fail(c, v, path, "must not contain a NUL byte");
  return lg__sc_get_bytes(c, v, path, out, NULL);
}

int lg__sc_get_bool(sc_ctx *c, const yt_node *v, const char *path, bool *out) {
  static const char *const yes[] = {"true", "True", "TRUE"};
  static const char *const no[] = {"false", "False", "FALSE"};
  char q[80];
  size_t i;
  if (!lg__sc_set(v))
    return 0;
  if (lg__sc_scalar(c, v, path, "true or false"))
    return LG_EINPUT;
  for (i = 0; i < 3; i++) {
    if (strcmp(v->str, yes[i]) == 0) {
      *out = true;
      return 0;
    }
    if (strcmp(v->str, no[i]) == 0) {
      *out = false;
      return 0;
    }
  }
  return lg__sc_fail(c, v, path, "expected true or false, got '%s'",
                     excerpt(v, q, sizeof q));
}

/* 1 when s is [+-]?[0-9]+ with nothing else. */
static int is_integer(const char *s, int sign_ok) {
  if (sign_ok && (*s == '+' || *s == '-'))
    s++;
  if (!isdigit((unsigned char)*s))
    return 0;
  while (isdigit((unsigned char)*s))
    s++;
  return *s == '\0';
}

int lg__sc_get_int(sc_ctx *c, const yt_node *v, const char *path, long long lo,
                   long long hi, long long *out) {
  char q[80];
  long long x;
  if (!lg__sc_set(v))
    return 0;
  if (lg__sc_scalar(c, v, path, "an integer"))
    return LG_EINPUT;
  if (!is_integer(v->str, 1))
    return lg__sc_fail(c, v, path, "expected an integer, got '%s'",
                       excerpt(v, q, sizeof q));
  errno = 0;
  x = strtoll(v->str, NULL, 10);
  if (errno == ERANGE || x < lo || x > hi)
    return lg__sc_fail(c, v, path, "must be between %lld and %lld, got %s", lo,
                       hi, excerpt(v, q, sizeof q));
  *out = x;
  return 0;
}

int lg__sc_get_u64(sc_ctx *c, const yt_node *v, const char *path,
                   uint64_t *out) {
  char q[80];
  unsigned long long x;
  if (!lg__sc_set(v))
    return 0;
  if (lg__sc_scalar(c, v, path, "an integer"))
    return LG_EINPUT;
  if (!is_integer(v->str, 0))
    return lg__sc_fail(c, v, path, "expected a non-negative integer, got '%s'",
                       excerpt(v, q, sizeof q));
  errno = 0;
  x = strtoull(v->str, NULL, 10);
  if (errno == ERANGE)
    return lg__sc_fail(c, v, path, "%s is too large (at most %llu)",
                       excerpt(v, q, sizeof q), (unsigned long long)UINT64_MAX);
  *out = (uint64_t)x;
  return 0;
}

int lg__sc_get_number(sc_ctx *c, const yt_node *v, const char *path, double lo,
                      double hi, bool open, double *out) {
  char q[80], *end = NULL;
  const char *p;
  double x;
  if (!lg__sc_set(v))
    return 0;
  if (lg__sc_scalar(c, v, path, "a number"))
    return LG_EINPUT;
  /* Plain decimal only: strtod would also take "inf", "nan" and hex. */
  for (p = v->str; *p; p++)
    if (!isdigit((unsigned char)*p) && !strchr(".eE+-", *p))
      break;
  errno = 0;
  x = strtod(v->str, &end);
  if (*p || !v->str[0] || *end || errno == ERANGE || !isfinite(x))
    return lg__sc_fail(c, v, path, "expected a number, got '%s'",
                       excerpt(v, q, sizeof q));
  if (open ? !(x > lo && x < hi) : !(x >= lo && x <= hi))
    return lg__sc_fail(c, v, path, "must be %s %g and %g, got %s",
                       open ? "strictly between" : "between", lo, hi,
                       excerpt(v, q, sizeof q));
  *out = x;
  return 0;
}

/* Run a units parser on scalar v and turn its message into ours. */
#define UNITS_GET(fn, c, v, path, out)                                         \
  do {                                                                         \
    lg_error e_;                                                               \
    if (!lg__sc_set(v))                                                        \
      return 0;                                                                \
    if (lg__sc_scalar(c, v, path, "a value"))                                  \
      return LG_EINPUT;                                                        \
    if (strlen((v)->str) != (v)->len || fn((v)->str, out, &e_))                \
      return lg__sc_fail(c, v, path, "%s",                                     \
                         strlen((v)->str) != (v)->len ? "contains a NUL byte"  \
                                                      : e_.msg);               \
  } while (0)

int lg__sc_get_duration(sc_ctx *c, const yt_node *v, const char *path,
                        bool zero_ok, double *out) {
  double s = 0;
  UNITS_GET(lg_parse_duration, c, v, path, &s);
  if (!zero_ok && s <= 0)
    return lg__sc_fail(c, v, path, "must be longer than 0");
  if (s > SC_MAX_DURATION_S)
    return lg__sc_fail(c, v, path, "must be at most 366 days");
  *out = s;
  return 0;
}

int lg__sc_get_size(sc_ctx *c, const yt_node *v, const char *path,
                    uint64_t *out) {
  UNITS_GET(lg_parse_size, c, v, path, out);
  return 0;
}

int lg__sc_get_size_f(sc_ctx *c, const yt_node *v, const char *path,
                      double *out) {
  UNITS_GET(lg_parse_size_f, c, v, path, out);
  return 0;
}

int lg__sc_get_fraction(sc_ctx *c, const yt_node *v, const char *path,
                        double *out) {
  UNITS_GET(lg_parse_fraction, c, v, path, out);
  return 0;
}

int lg__sc_get_rate(sc_ctx *c, const yt_node *v, const char *path,
                    double *out) {
  double r = 0;
  UNITS_GET(lg_parse_rate, c, v, path, &r);
  if (r > 1e7)
    return lg__sc_fail(c, v, path, "must be at most 10000000 requests/s");
  *out = r;
  return 0;
}

int lg__sc_get_enum(sc_ctx *c, const yt_node *v, const char *path,
                    const char *const *names, size_t n, int *out) {
  char list[256], q[80];
  size_t i;
  if (!lg__sc_set(v))
    return 0;
  lg__sc_join(list, sizeof list, names, n);
  if (v->kind != YT_SCALAR)
    return lg__sc_fail(c, v, path, "expected one of %s, got %s", list,
                       lg__sc_kind(v));
  for (i = 0; i < n; i++) {
    if (strlen(names[i]) == v->len && strcmp(names[i], v->str) == 0) {
      *out = (int)i;
      return 0;
    }
  }
  return lg__sc_fail(c, v, path, "expected one of %s, got '%s'", list,
                     excerpt(v, q, sizeof q));
}

void lg__sc_free_strv(char **v, size_t n) {
  size_t i;
  if (!v)
    return;
  for (i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void lg__sc_free_kv(lg_kv *kv, size_t n) {
  size_t i;
  if (!kv)
    return;
  for (i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

int lg__sc_get_strlist(sc_ctx *c, const yt_node *v, const char *path,
                       char ***out, size_t *n) {
  char **list;
  size_t i;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if (v->kind != YT_SEQ)
    return lg__sc_fail(c, v, path, "expected a list of strings, got %s",
                       lg__sc_kind(v));
  if (!(list = calloc(v->n + 1, sizeof *list)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < v->n; i++) {
    char ip[SC_PATH_MAX];
    lg__sc_path_index(ip, path, i);
    if ((rc = lg__sc_require(c, v, v->kids[i], ip, " (a string)")) ||
        (rc = lg__sc_get_str(c, v->kids[i], ip, &list[i]))) {
      lg__sc_free_strv(list, v->n);
      return rc;
    }
  }
  lg__sc_free_strv(*out, *n);
  *out = list;
  *n = v->n;
  return 0;
}

static int cmp_key(const void *a, const void *b) {
  const yt_node *x = *(const yt_node *const *)a, *y = *(const yt_node *const *)b;
  int r = strcmp(x->str, y->str);
  if (r)
    return r;
  return x->line != y->line ? (x->line < y->line ? -1 : 1)
                            : (x->col < y->col ? -1 : x->col > y->col);
}

/* Duplicate keys of a free-form map in O(n log n): the later one of the
 * first duplicated pair in sorted order is reported. */
static int dup_keys(sc_ctx *c, const yt_node *v, const char *path) {
  const yt_node **k;
  size_t i;
  int rc = 0;
  if (v->n < 2)
    return 0;
  if (!(k = malloc(v->n * sizeof *k)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < v->n; i++)
    k[i] = v->kids[2 * i];
  qsort(k, v->n, sizeof *k, cmp_key);
  for (i = 1; i < v->n && !rc; i++) {
    if (strcmp(k[i - 1]->str, k[i]->str) == 0) {
      char kp[SC_PATH_MAX];
      lg__sc_path(kp, path, k[i]->str);
      rc = lg__sc_fail(c, k[i], kp, "duplicate key (first at line %u)",
                       k[i - 1]->line);
    }
  }
  free(k);
  return rc;
}

int lg__sc_get_kvmap(sc_ctx *c, const yt_node *v, const char *path,
                     const char *(*key_ok)(const char *key, size_t len),
                     lg_kv **out, size_t *n) {
  lg_kv *kv;
  size_t i;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if (v->kind != YT_MAP)
    return lg__sc_fail(c, v, path, "expected a map of names to values, got %s",
                       lg__sc_kind(v));
  for (i = 0; i < v->n; i++) {
    const yt_node *k = v->kids[2 * i];
    const char *why = key_ok(k->str, k->len);
    if (why) {
      char kp[SC_PATH_MAX];
      lg__sc_path(kp, path, k->str);
      return lg__sc_fail(c, k, kp, "%s", why);
    }
  }
  if ((rc = dup_keys(c, v, path)))
    return rc;
  if (!(kv = calloc(v->n ? v->n : 1, sizeof *kv)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < v->n; i++) {
    const yt_node *val = v->kids[2 * i + 1];
    char kp[SC_PATH_MAX];
    lg__sc_path(kp, path, v->kids[2 * i]->str);
    if (!(kv[i].key = strdup(v->kids[2 * i]->str))) {
      rc = lg_error_set(c->err, LG_ENOMEM, "out of memory");
      break;
    }
    if (!lg__sc_set(val)) {
      if (!(kv[i].value = strdup(""))) {
        rc = lg_error_set(c->err, LG_ENOMEM, "out of memory");
        break;
      }
    } else if ((rc = lg__sc_get_str(c, val, kp, &kv[i].value)) ||
               (rc = lg__sc_check_template(c, val, kp))) {
      break;
    }
  }
  if (rc) {
    lg__sc_free_kv(kv, v->n);
    return rc;
  }
  lg__sc_free_kv(*out, *n);
  *out = kv;
  *n = v->n;
  return 0;
}

int lg__sc_check_template(sc_ctx *c, const yt_node *v, const char *path) {
  lg_template *t = NULL;
  lg_error e;
  size_t off = 0, nth = 0, i;
  unsigned line, col;
  if (!lg__sc_set(v) || v->kind != YT_SCALAR)
    return 0;
  if (!lg_template_compile(v->str, v->len, &t, &off, &e)) {
    lg_template_free(t);
    return 0;
  }
  if (e.code != LG_EINPUT)
    return lg_error_set(c->err, e.code, "%s", e.msg);
  /* Which "{{" failed, counted as the compiler scans (non-overlapping). */
  for (i = 0; i + 1 < v->len && i < off; i++)
    if (v->str[i] == '{' && v->str[i + 1] == '{') {
      nth++;
      i++;
    }
  lg__yt_brace_pos(c->text, c->len, v, nth, &line, &col);
  return lg__sc_fail_at(c, v, line, col, path, "%s", e.msg);
}

/* Drop "." segments and repeated slashes in place ("a/./b//c" -> "a/b/c");
 * ".." is kept: resolving it lexically would be wrong across symlinks. */
static void tidy(char *p) {
  char *r = p, *w = p;
  while (*r) {
    if (r[0] == '/' && (r[1] == '/' || (r[1] == '.' && (r[2] == '/' || !r[2])))) {
      r += r[1] == '/' ? 1 : 2;
      continue;
    }
    *w++ = *r++;
  }
  if (w > p + 1 && w[-1] == '/')
    w--;
  *w = '\0';
}

char *lg__sc_resolve(const char *dir, const char *path) {
  char *joined = path[0] == '/' ? strdup(path) : lg__path_join(dir, path);
  char *real = joined ? realpath(joined, NULL) : NULL;
  if (!real) {
    if (joined)
      tidy(joined); /* does not exist (yet): keep the lexical join */
    return joined;
  }
  free(joined);
  return real;
}
