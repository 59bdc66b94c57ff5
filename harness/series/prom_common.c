/* series/prom_common.c - label sets, selectors, the per-series builder and
 * the --x-series store shared by the Prometheus readers (prom_int.h).
 *
 * Bounds: a label set holds at most PM_MAX_LABELS labels in
 * PM_LABEL_BYTES; an x-series at most PM_XSERIES_MAX_POINTS points; a
 * list at most LG_SERIES_MAX_SERIES series. Each bound is an input error
 * naming the position, never a silent cut. Owns: the x-store's arrays
 * (lg__pm_xstore_free) and the builder's aggregator (lg__pm_build_finish or
 * lg__pm_build_free).
 */
#include "series/prom_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- label sets ---- */

void lg__pm_labels_clear(pm_labels *lb) {
  lb->metric[0] = '\0';
  lb->n = 0;
  lb->used = 0;
}

int lg__pm_labels_add(pm_labels *lb, const char *k, size_t kn, const char *v,
                      size_t vn) {
  char *p;
  if (kn == 8 && memcmp(k, "__name__", 8) == 0) {
    if (vn >= sizeof lb->metric)
      return LG_ELIMIT;
    memcpy(lb->metric, v, vn);
    lb->metric[vn] = '\0';
    return 0;
  }
  if (lb->n >= PM_MAX_LABELS || lb->used + kn + vn + 2 > PM_LABEL_BYTES)
    return LG_ELIMIT;
  p = lb->arena + lb->used;
  memcpy(p, k, kn);
  p[kn] = '\0';
  memcpy(p + kn + 1, v, vn);
  p[kn + 1 + vn] = '\0';
  lb->l[lb->n].k = p;
  lb->l[lb->n].v = p + kn + 1;
  lb->n++;
  lb->used += kn + vn + 2;
  return 0;
}

static int cmp_label(const void *a, const void *b) {
  return strcmp(((const pm_label *)a)->k, ((const pm_label *)b)->k);
}

void lg__pm_labels_sort(pm_labels *lb) {
  qsort(lb->l, lb->n, sizeof lb->l[0], cmp_label);
}

const char *lg__pm_labels_get(const pm_labels *lb, const char *k) {
  size_t i;
  if (strcmp(k, "__name__") == 0)
    return lb->metric;
  for (i = 0; i < lb->n; i++)
    if (strcmp(lb->l[i].k, k) == 0)
      return lb->l[i].v;
  return "";
}

void lg__pm_labels_copy(pm_labels *dst, const pm_labels *src) {
  size_t i;
  memcpy(dst->metric, src->metric, sizeof dst->metric);
  memcpy(dst->arena, src->arena, src->used);
  dst->used = src->used;
  dst->n = src->n;
  for (i = 0; i < src->n; i++) {
    dst->l[i].k = dst->arena + (src->l[i].k - src->arena);
    dst->l[i].v = dst->arena + (src->l[i].v - src->arena);
  }
}

void lg__pm_labels_format(const pm_labels *lb, char *out, size_t cap) {
  size_t i, len = 0;
  if (cap == 0)
    return;
  out[0] = '\0';
#define PUT(...)                                                               \
  do {                                                                         \
    if (len < cap)                                                             \
      len += (size_t)snprintf(out + len, cap - len, __VA_ARGS__);              \
  } while (0)
  PUT("%s", lb->metric);
  if (lb->n == 0 && lb->metric[0])
    return;
  PUT("{");
  for (i = 0; i < lb->n; i++) {
    const char *v;
    PUT("%s%s=\"", i ? "," : "", lb->l[i].k);
    for (v = lb->l[i].v; *v && len < cap; v++) {
      const char *esc = *v == '"'    ? "\\\""
                        : *v == '\\' ? "\\\\"
                        : *v == '\n' ? "\\n"
                                     : NULL;
      if (esc)
        PUT("%s", esc);
      else
        PUT("%c", *v);
    }
    PUT("\"");
  }
  PUT("}");
#undef PUT
}

/* ---- selectors ---- */

static bool name_start(int c) {
  return isalpha(c) || c == '_' || c == ':';
}

static bool name_char(int c) {
  return isalnum(c) || c == '_' || c == ':';
}

int lg__pm_selector_parse(const char *s, const char *what, pm_selector *out,
                          lg_error *err) {
  static const char *const shorts[] = {"anon", "rss", "pss", "cgroup"};
  const char *p = s;
  size_t i, n;

  memset(out, 0, sizeof *out);
  for (i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
    if (strcmp(s, shorts[i]) == 0) {
      snprintf(out->metric, sizeof out->metric, "leakgate_memory_bytes");
      snprintf(out->m[0].k, sizeof out->m[0].k, "metric");
      snprintf(out->m[0].v, sizeof out->m[0].v, "%s", s);
      out->n = 1;
      return 0;
    }
  while (isspace((unsigned char)*p))
    p++;
  if (name_start((unsigned char)*p)) {
    for (n = 0; name_char((unsigned char)p[n]); n++)
      ;
    if (n >= sizeof out->metric)
      return lg_error_set(err, LG_EUSAGE, "%s '%s': name too long", what, s);
    memcpy(out->metric, p, n);
    p += n;
  }
  while (isspace((unsigned char)*p))
    p++;
  if (*p == '{') {
    p++;
    for (;;) {
      pm_matcher *m;
      while (isspace((unsigned char)*p))
        p++;
      if (*p == '}')
        break;
      if (out->n >= PM_MAX_MATCHERS)
        return lg_error_set(err, LG_EUSAGE, "%s '%s': more than %d matchers",
                            what, s, PM_MAX_MATCHERS);
      m = &out->m[out->n];
      if (!name_start((unsigned char)*p))
        return lg_error_set(err, LG_EUSAGE,
                            "%s '%s': expected a label name at column %zu",
                            what, s, (size_t)(p - s) + 1);
      for (n = 0; name_char((unsigned char)p[n]); n++)
        ;
      if (n >= sizeof m->k)
        return lg_error_set(err, LG_EUSAGE, "%s '%s': label name too long",
                            what, s);
      memcpy(m->k, p, n);
      p += n;
      while (isspace((unsigned char)*p))
        p++;
      if (p[0] == '!' && p[1] == '=') {
        m->neg = true;
        p += 2;
      } else if (p[0] == '=' && p[1] != '~') {
        p++;
      } else {
        return lg_error_set(err, LG_EUSAGE,
                            "%s '%s': expected = or != at column %zu (regular "
                            "expression matchers are not supported)",
                            what, s, (size_t)(p - s) + 1);
      }
      while (isspace((unsigned char)*p))
        p++;
      if (*p != '"')
        return lg_error_set(err, LG_EUSAGE,
                            "%s '%s': expected a quoted value at column %zu",
                            what, s, (size_t)(p - s) + 1);
      p++;
      for (n = 0; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
          p++;
          c = *p == 'n' ? '\n' : *p;
        }
        if (n + 1 >= sizeof m->v)
          return lg_error_set(err, LG_EUSAGE, "%s '%s': value too long", what,
                              s);
        m->v[n++] = c;
      }
      if (*p != '"')
        return lg_error_set(err, LG_EUSAGE, "%s '%s': unterminated value", what,
                            s);
      p++;
      out->n++;
      while (isspace((unsigned char)*p))
        p++;
      if (*p == ',') {
        p++;
        continue;
      }
      if (*p != '}')
        return lg_error_set(err, LG_EUSAGE,
                            "%s '%s': expected , or } at column %zu", what, s,
                            (size_t)(p - s) + 1);
    }
    p++;
  }
  while (isspace((unsigned char)*p))
    p++;
  if (*p || (!out->metric[0] && out->n == 0))
    return lg_error_set(err, LG_EUSAGE,
                        "%s '%s': expected a series selector such as "
                        "name{label=\"value\"}",
                        what, s);
  return 0;
}

bool lg__pm_selector_match(const pm_selector *sel, const pm_labels *lb) {
  size_t i;
  if (sel->metric[0] && strcmp(sel->metric, lb->metric) != 0)
    return false;
  for (i = 0; i < sel->n; i++) {
    bool eq = strcmp(lg__pm_labels_get(lb, sel->m[i].k), sel->m[i].v) == 0;
    if (eq == sel->m[i].neg)
      return false;
  }
  return true;
}

/* ---- the per-series builder ---- */

int lg__pm_build_add(pm_build *b, double x, double t, double y) {
  if (b->any && t < b->prev_t)
    return PM_T_DECREASES;
  if (b->any && x < b->prev_x)
    return PM_X_DECREASES;
  if (!b->agg && !(b->agg = lg__agg_new()))
    return LG_ENOMEM;
  if (lg__agg_add(b->agg, x, t, y) != 0)
    return LG_ENOMEM;
  if (!b->any)
    b->first_x = x;
  b->any = true;
  b->prev_x = x;
  b->prev_t = t;
  b->rows++;
  return PM_OK;
}

void lg__pm_build_free(pm_build *b) {
  lg__agg_free(b->agg);
  memset(b, 0, sizeof *b);
}

int lg__pm_build_finish(pm_build *b, const pm_ctx *ctx, const pm_labels *lb,
                        double unit, const char *where, lg_series **out,
                        lg_error *err) {
  lg_series *s = NULL;
  char name[1024];
  size_t i;
  int rc = 0;

  *out = NULL;
  lg__pm_labels_format(lb, name, sizeof name);
  if (b->rows < LG_SERIES_MIN_POINTS) {
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: %s: only %llu values%s (need at least %d)", where,
                      name, (unsigned long long)b->rows,
                      ctx->has_x ? " at instants the --x-series also has" : "",
                      LG_SERIES_MIN_POINTS);
    goto cleanup;
  }
  if (!(b->prev_x > b->first_x)) {
    rc = lg_error_set(err, LG_EINPUT,
                      "%s: %s: %s never increases, so there is no slope to "
                      "measure",
                      where, name, ctx->has_x ? "the --x-series" : "time");
    goto cleanup;
  }
  s = calloc(1, sizeof *s);
  if (!s || !(s->name = strdup(name)) ||
      lg__agg_finish(b->agg, ctx->aggregate, s) != 0) {
    rc = lg_error_set(err, LG_ENOMEM, "%s: out of memory", ctx->name);
    goto cleanup;
  }
  for (i = 0; i < s->n; i++) {
    s->t[i] *= unit;
    if (!ctx->has_x) {
      s->x[i] *= unit;
    }
  }
  if (!ctx->has_x) {
    s->x_block *= unit;
    s->gc_period_x *= unit;
  }
  s->rows = s->rows_used = (size_t)b->rows;
  snprintf(s->metric, sizeof s->metric, "%.63s",
           lb->metric[0] ? lb->metric : "value");
  s->x_is_seconds = !ctx->has_x;
  snprintf(s->x_name, sizeof s->x_name, "%s",
           ctx->has_x ? "requests" : "seconds");
  *out = s;
  s = NULL;
cleanup:
  lg_series_free(s);
  lg__pm_build_free(b);
  return rc;
}

/* ---- --x-series ---- */

pm_xseries *lg__pm_xstore_new(pm_xstore *xs, const pm_labels *lb) {
  pm_xseries *s, **v;
  if (xs->n >= LG_SERIES_MAX_SERIES)
    return NULL;
  v = realloc(xs->v, (xs->n + 1) * sizeof *v);
  if (!v)
    return NULL;
  xs->v = v;
  s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  lg__pm_labels_copy(&s->lb, lb);
  xs->v[xs->n++] = s;
  return s;
}

int lg__pm_xseries_push(pm_xseries *s, double t, double x) {
  if (s->n > 0 && t < s->t[s->n - 1])
    return PM_T_DECREASES;
  if (s->n > 0 && x < s->x[s->n - 1])
    return PM_X_DECREASES;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 1024;
    double *nt, *nx;
    if (s->n >= PM_XSERIES_MAX_POINTS)
      return LG_ELIMIT;
    if (cap > PM_XSERIES_MAX_POINTS)
      cap = PM_XSERIES_MAX_POINTS;
    nt = realloc(s->t, cap * sizeof *nt);
    if (!nt)
      return LG_ENOMEM;
    s->t = nt;
    nx = realloc(s->x, cap * sizeof *nx);
    if (!nx)
      return LG_ENOMEM;
    s->x = nx;
    s->cap = cap;
  }
  s->t[s->n] = t;
  s->x[s->n] = x;
  s->n++;
  return PM_OK;
}

void lg__pm_xstore_free(pm_xstore *xs) {
  size_t i;
  for (i = 0; i < xs->n; i++) {
    free(xs->v[i]->t);
    free(xs->v[i]->x);
    free(xs->v[i]);
  }
  free(xs->v);
  memset(xs, 0, sizeof *xs);
}

/* Every label of x (but the name) appears in m with the same value. */
static bool labels_within(const pm_labels *x, const pm_labels *m) {
  size_t i;
  for (i = 0; i < x->n; i++)
    if (strcmp(lg__pm_labels_get(m, x->l[i].k), x->l[i].v) != 0)
      return false;
  return true;
}

const pm_xseries *lg__pm_xstore_pair(const pm_xstore *xs, const pm_labels *lb,
                                     char *why, size_t cap) {
  const pm_xseries *found = NULL;
  size_t i, hits = 0;
  if (xs->n == 1)
    return xs->v[0];
  for (i = 0; i < xs->n; i++)
    if (labels_within(&xs->v[i]->lb, lb)) {
      found = xs->v[i];
      hits++;
    }
  if (hits == 1)
    return found;
  if (xs->n == 0)
    snprintf(why, cap, "no series matches --x-series");
  else
    snprintf(why, cap,
             "%zu --x-series series match, and %zu of them share their "
             "labels with this series (need exactly one)",
             xs->n, hits);
  return NULL;
}

bool lg__pm_xseries_at(const pm_xseries *s, double t, double *x) {
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->t[mid] < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < s->n && s->t[lo] == t) {
    *x = s->x[lo];
    return true;
  }
  return false;
}

int lg__pm_list_push(lg_series_list *l, lg_series *s, const char *name,
                     lg_error *err) {
  lg_series **v;
  if (l->n >= LG_SERIES_MAX_SERIES) {
    lg_series_free(s);
    return lg_error_set(err, LG_EINPUT,
                        "%s: more than %d series to judge; pick some with "
                        "--metric SELECTOR",
                        name, LG_SERIES_MAX_SERIES);
  }
  v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v) {
    lg_series_free(s);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  l->v = v;
  l->v[l->n++] = s;
  return 0;
}

int lg__pm_parse_value(const char *s, size_t n, double *v) {
  char buf[64], *end;
  const char *p = s;
  size_t i = 0;
  int sign = 1;
  if (n == 0 || n >= sizeof buf)
    return -1;
  if (*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    p++;
    i++;
  }
  if (n - i == 3 && strncasecmp(p, "inf", 3) == 0) {
    *v = sign * INFINITY;
    return 0;
  }
  if (n - i == 8 && strncasecmp(p, "infinity", 8) == 0) {
    *v = sign * INFINITY;
    return 0;
  }
  if (n - i == 3 && strncasecmp(p, "nan", 3) == 0) {
    *v = NAN;
    return 0;
  }
  /* Plain decimal only (Go also takes hex and underscores; no exporter
   * writes them, and strtod would take more than Go does). */
  {
    size_t j = i, digits = 0;
    while (j < n && isdigit((unsigned char)s[j]))
      j++, digits++;
    if (j < n && s[j] == '.')
      for (j++; j < n && isdigit((unsigned char)s[j]); j++)
        digits++;
    if (digits == 0)
      return -1;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
      j++;
      if (j < n && (s[j] == '+' || s[j] == '-'))
        j++;
      if (j >= n || !isdigit((unsigned char)s[j]))
        return -1;
      while (j < n && isdigit((unsigned char)s[j]))
        j++;
    }
    if (j != n)
      return -1;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  *v = strtod(buf, &end);
  return end == buf + n ? 0 : -1;
}
