/* result/result.c - the result model: allocation, freeing, the add helpers
 * and the chart downsampler (see include/leakgate/result.h).
 *
 * Owns: every string and array reachable from an lg_result (reasons, checks,
 * load phases, leak records and their stacks, growing sites, the Massif heap
 * curve, baseline fingerprint lists, the chart). lg_result_new's unknown
 * values and lg_result_free follow from the field tables (result/fields.h).
 * Failure: the add helpers return LG_ENOMEM (or NULL) and leave the result as
 * it was before the call, so a caller may carry on or free it.
 */
#include "result/fields.h"

#include <leakgate/result.h>
#include <leakgate/scenario.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arrays grow by doubling; this cap bounds what one result may hold so a
 * pathological Memcheck log cannot make leakgate itself grow unbounded. */
#define LG_RESULT_ARRAY_CAP ((size_t)1 << 20)

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

/* Make room for one more element of size sz in *arr (n used). The array is
 * reallocated to exactly n + 1 elements every time: arrays filled by other
 * modules (the load engine's phases, for instance) may have been allocated
 * to their exact size, so no hidden capacity can be assumed. glibc realloc
 * grows in place or by mremap for large blocks, which keeps this cheap. */
int lg__result_grow(void **arr, size_t n, size_t sz) {
  void *p;
  if (n >= LG_RESULT_ARRAY_CAP)
    return LG_ELIMIT;
  p = realloc(*arr, (n + 1) * sz);
  if (!p)
    return LG_ENOMEM;
  *arr = p;
  return 0;
}

/* Append s to the string array *arr of *n, taking it over (freed on
 * failure; NULL, a failed copy, is LG_ENOMEM). */
static int push_str(char ***arr, size_t *n, char *s) {
  int rc;
  if (!s)
    return LG_ENOMEM;
  rc = lg__result_grow((void **)arr, *n, sizeof **arr);
  if (rc) {
    free(s);
    return rc;
  }
  (*arr)[(*n)++] = s;
  return 0;
}

lg_result *lg_result_new(void) {
  lg_result *r = calloc(1, sizeof *r);
  if (r)
    lg__fields_init(&lg__result_fields, r);
  return r;
}

void lg_result_truncate_errors(lg_memcheck_result *m, size_t n) {
  lg__fields_records_truncate(&lg__error_records, m, n);
}

void lg_result_truncate_leaks(lg_memcheck_result *m, size_t n) {
  lg__fields_records_truncate(&lg__leak_records, m, n);
}

void lg_result_clear_sites(lg_massif_result *m) {
  lg__fields_records_clear(&lg__site_records, m);
  m->n_sites = 0;
}

void lg_result_free(lg_result *r) {
  if (!r)
    return;
  lg__fields_release(&lg__result_fields, r);
  free(r);
}

int lg_result_set_error(lg_result *r, int code, const char *msg) {
  char *m = strdup(msg ? msg : lg_strerror(code));
  if (!m)
    return LG_ENOMEM;
  free(r->error);
  r->error = m;
  r->error_code = code ? code : LG_EIO;
  r->verdict = LG_VERDICT_ERROR;
  r->exit_code = lg_error_exit_code(r->error_code);
  return 0;
}

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  int n;
  char *s;
  va_copy(ap2, ap);
  n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return NULL;
  s = malloc((size_t)n + 1);
  if (s)
    vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

int lg_result_add_reason(lg_result *r, const char *fmt, ...) {
  va_list ap;
  char *s;
  va_start(ap, fmt);
  s = vformat(fmt, ap);
  va_end(ap);
  return push_str(&r->reasons, &r->n_reasons, s);
}

int lg_result_add_check(lg_result *r, const char *name, lg_check_status st,
                        const char *fmt, ...) {
  va_list ap;
  char *msg, *nm;
  int rc;
  va_start(ap, fmt);
  msg = vformat(fmt, ap);
  va_end(ap);
  nm = strdup(name);
  if (!msg || !nm) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  rc = lg__result_grow((void **)&r->checks, r->n_checks, sizeof *r->checks);
  if (rc)
    goto cleanup;
  r->checks[r->n_checks].name = nm;
  r->checks[r->n_checks].status = st;
  r->checks[r->n_checks].message = msg;
  r->checks[r->n_checks].derived = false;
  r->n_checks++;
  return 0;
cleanup:
  free(msg);
  free(nm);
  return rc;
}

const lg_check *lg_result_check(const lg_result *r, const char *name) {
  size_t i;
  for (i = 0; i < r->n_checks; i++)
    if (strcmp(r->checks[i].name, name) == 0)
      return &r->checks[i];
  return NULL;
}

lg_leak_record *lg_result_add_leak(lg_memcheck_result *m, const char *kind,
                                   double bytes, int64_t blocks,
                                   const char *fingerprint) {
  lg_leak_record l;
  memset(&l, 0, sizeof l);
  l.kind = dup_or_null(kind);
  l.fingerprint = dup_or_null(fingerprint);
  l.bytes = bytes;
  l.blocks = blocks;
  if ((kind && !l.kind) || (fingerprint && !l.fingerprint) ||
      lg__result_grow((void **)&m->leaks, m->n_leaks, sizeof *m->leaks) != 0) {
    free(l.kind);
    free(l.fingerprint);
    return NULL;
  }
  m->leaks[m->n_leaks] = l;
  return &m->leaks[m->n_leaks++];
}

/* Append a frame (strings copied) to the stack *stack of *n frames. */
static int add_frame(lg_frame **stack, size_t *n, const char *function,
                     const char *file, int line, const char *object) {
  lg_frame f;
  int rc;
  f.function = dup_or_null(function);
  f.file = dup_or_null(file);
  f.object = dup_or_null(object);
  f.line = line;
  if ((function && !f.function) || (file && !f.file) || (object && !f.object)) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  rc = lg__result_grow((void **)stack, *n, sizeof **stack);
  if (rc)
    goto cleanup;
  (*stack)[(*n)++] = f;
  return 0;
cleanup:
  free(f.function);
  free(f.file);
  free(f.object);
  return rc;
}

int lg_leak_add_frame(lg_leak_record *l, const char *function, const char *file,
                      int line, const char *object) {
  return add_frame(&l->stack, &l->n_stack, function, file, line, object);
}

int lg_heap_site_add_frame(lg_heap_site *s, const char *function,
                           const char *file, int line, const char *object) {
  return add_frame(&s->stack, &s->n_stack, function, file, line, object);
}

lg_heap_site *lg_result_add_heap_site(lg_heap_profile_result *h,
                                      const char *function, const char *file,
                                      int line, const char *fingerprint,
                                      double rate, double lo, double hi) {
  lg_heap_site s;
  memset(&s, 0, sizeof s);
  s.function = dup_or_null(function);
  s.file = dup_or_null(file);
  s.fingerprint = dup_or_null(fingerprint);
  s.line = line;
  s.bytes_per_request = rate;
  s.ci_lo = lo;
  s.ci_hi = hi;
  s.first_bytes = s.last_bytes = NAN;
  s.samples = -1;
  if ((function && !s.function) || (file && !s.file) ||
      (fingerprint && !s.fingerprint) ||
      lg__result_grow((void **)&h->growing_sites, h->n_sites,
                      sizeof *h->growing_sites)) {
    free(s.function);
    free(s.file);
    free(s.fingerprint);
    return NULL;
  }
  h->growing_sites[h->n_sites] = s;
  return &h->growing_sites[h->n_sites++];
}

void lg_result_clear_heap_sites(lg_heap_profile_result *h) {
  lg__fields_records_clear(&lg__heap_site_records, h);
}

lg_memcheck_error *lg_result_add_memcheck_error(lg_memcheck_result *m,
                                                const char *kind,
                                                const char *what,
                                                int64_t count) {
  lg_memcheck_error e;
  memset(&e, 0, sizeof e);
  e.kind = dup_or_null(kind);
  e.what = dup_or_null(what);
  e.count = count;
  if ((kind && !e.kind) || (what && !e.what) ||
      lg__result_grow((void **)&m->error_records, m->n_error_records,
                      sizeof *m->error_records) != 0) {
    free(e.kind);
    free(e.what);
    return NULL;
  }
  m->error_records[m->n_error_records] = e;
  return &m->error_records[m->n_error_records++];
}

int lg_memcheck_error_add_frame(lg_memcheck_error *e, const char *function,
                                const char *file, int line,
                                const char *object) {
  return add_frame(&e->stack, &e->n_stack, function, file, line, object);
}

int lg_result_add_site(lg_massif_result *m, const char *function,
                       const char *file, int line, double first, double last) {
  lg_growing_site s;
  int rc;
  s.function = dup_or_null(function);
  s.file = dup_or_null(file);
  s.line = line;
  s.first_bytes = first;
  s.last_bytes = last;
  s.growth_bytes = last - first;
  if ((function && !s.function) || (file && !s.file)) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  rc = lg__result_grow((void **)&m->growing_sites, m->n_sites,
                       sizeof *m->growing_sites);
  if (rc)
    goto cleanup;
  m->growing_sites[m->n_sites++] = s;
  return 0;
cleanup:
  free(s.function);
  free(s.file);
  return rc;
}

int lg_result_add_phase(lg_load_result *l, const char *name, int64_t requests,
                        int64_t errors, double duration_s, double target_rate) {
  lg_phase_stats p;
  int rc;
  p.name = dup_or_null(name);
  if (name && !p.name)
    return LG_ENOMEM;
  p.requests = requests;
  p.errors = errors;
  p.duration_s = duration_s;
  p.target_rate = target_rate;
  rc = lg__result_grow((void **)&l->phases, l->n_phases, sizeof *l->phases);
  if (rc) {
    free(p.name);
    return rc;
  }
  l->phases[l->n_phases++] = p;
  return 0;
}

int lg_result_add_runtime_phase(lg_runtime_result *rt, const char *name,
                                int64_t collections, int64_t full,
                                double pause_s, double gc_time_share,
                                double heap_live_bytes) {
  lg_runtime_phase p;
  int rc;
  p.name = dup_or_null(name);
  if (name && !p.name)
    return LG_ENOMEM;
  p.collections = collections;
  p.full_collections = full;
  p.pause_s = pause_s;
  p.gc_time_share = gc_time_share;
  p.heap_live_bytes = heap_live_bytes;
  rc = lg__result_grow((void **)&rt->phases, rt->n_phases, sizeof *rt->phases);
  if (rc) {
    free(p.name);
    return rc;
  }
  rt->phases[rt->n_phases++] = p;
  return 0;
}

lg_runtime_site *lg_result_add_runtime_site(lg_runtime_result *rt,
                                            const char *kind, const char *name,
                                            const char *file, int line) {
  lg_runtime_site x;
  memset(&x, 0, sizeof x);
  x.kind = dup_or_null(kind);
  x.name = dup_or_null(name);
  x.file = dup_or_null(file);
  x.line = line;
  x.first_bytes = x.last_bytes = x.growth_bytes = NAN;
  x.bytes_per_request = NAN;
  x.first_count = x.last_count = -1;
  if ((kind && !x.kind) || (name && !x.name) || (file && !x.file) ||
      lg__result_grow((void **)&rt->sites, rt->n_sites, sizeof *rt->sites) !=
          0) {
    free(x.kind);
    free(x.name);
    free(x.file);
    return NULL;
  }
  rt->sites[rt->n_sites] = x;
  return &rt->sites[rt->n_sites++];
}

int lg_runtime_site_add_frame(lg_runtime_site *s, const char *frame) {
  return push_str(&s->stack, &s->n_stack, strdup(frame ? frame : ""));
}

int lg_result_add_baseline_leak(lg_baseline_result *b, bool known,
                                const char *fingerprint) {
  char *s = strdup(fingerprint ? fingerprint : "");
  return known ? push_str(&b->known_leaks, &b->n_known_leaks, s)
               : push_str(&b->new_leaks, &b->n_new_leaks, s);
}

int lg_result_add_baseline_grown(lg_baseline_result *b,
                                 const char *fingerprint) {
  return push_str(&b->grown_leaks, &b->n_grown_leaks,
                  strdup(fingerprint ? fingerprint : ""));
}

void lg_result_reset_baseline(lg_baseline_result *b) {
  lg__fields_release(&lg__baseline_fields, b);
  memset(b, 0, sizeof *b);
  lg__fields_init(&lg__baseline_fields, b);
}

static int copy_xy(double **px, double **py, size_t *pn, const double *x,
                   const double *y, size_t n) {
  double *nx = NULL, *ny = NULL;
  if (n) {
    nx = malloc(n * sizeof *nx);
    ny = malloc(n * sizeof *ny);
    if (!nx || !ny) {
      free(nx);
      free(ny);
      return LG_ENOMEM;
    }
    memcpy(nx, x, n * sizeof *nx);
    memcpy(ny, y, n * sizeof *ny);
  }
  free(*px);
  free(*py);
  *px = nx;
  *py = ny;
  *pn = n;
  return 0;
}

int lg_result_set_heap(lg_massif_result *m, const double *x, const double *y,
                       size_t n) {
  return copy_xy(&m->heap_x, &m->heap_y, &m->n_heap, x, y, n);
}

/* Min/max decimation: O(n) time, O(max_points) memory. The interior points
 * are cut into equal-count buckets; each bucket contributes its lowest and
 * highest point in x order, so every local extreme wider than a bucket and
 * the global extremes survive, unlike plain striding which can drop a spike.
 * Points with a non-finite coordinate are skipped. */
int lg_result_set_chart(lg_result *r, const double *x, const double *y,
                        size_t n, size_t max_points) {
  return lg_chart_set(&r->chart, x, y, n, max_points);
}

int lg_chart_set(lg_chart *c, const double *x, const double *y, size_t n,
                 size_t max_points) {
  double *nx = NULL, *ny = NULL;
  size_t *idx = NULL, m = 0, nf = 0, i, b, nb;
  int rc = 0;

  if (max_points < 4)
    max_points = 4;
  idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx)
    return LG_ENOMEM;
  for (i = 0; i < n; i++)
    if (isfinite(x[i]) && isfinite(y[i]))
      idx[nf++] = i;
  nx = malloc((nf < max_points ? nf : max_points) * sizeof *nx + 1);
  ny = malloc((nf < max_points ? nf : max_points) * sizeof *ny + 1);
  if (!nx || !ny) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  if (nf <= max_points) {
    for (i = 0; i < nf; i++) {
      nx[m] = x[idx[i]];
      ny[m++] = y[idx[i]];
    }
  } else {
    size_t inner = nf - 2;
    nb = (max_points - 2) / 2;
    nx[m] = x[idx[0]];
    ny[m++] = y[idx[0]];
    for (b = 0; b < nb; b++) {
      size_t lo = 1 + b * inner / nb, hi = 1 + (b + 1) * inner / nb;
      size_t imin = lo, imax = lo, k;
      if (lo >= hi)
        continue;
      for (k = lo; k < hi; k++) {
        if (y[idx[k]] < y[idx[imin]])
          imin = k;
        if (y[idx[k]] > y[idx[imax]])
          imax = k;
      }
      if (imin > imax) {
        size_t t = imin;
        imin = imax;
        imax = t;
      }
      nx[m] = x[idx[imin]];
      ny[m++] = y[idx[imin]];
      if (imax != imin) {
        nx[m] = x[idx[imax]];
        ny[m++] = y[idx[imax]];
      }
    }
    nx[m] = x[idx[nf - 1]];
    ny[m++] = y[idx[nf - 1]];
  }
  free(c->x);
  free(c->y);
  c->x = nx;
  c->y = ny;
  c->n = m;
  nx = ny = NULL;
cleanup:
  free(nx);
  free(ny);
  free(idx);
  return rc;
}

/* ---- names ---------------------------------------------------------- */

static const char *const verdict_names[] = {"pass", "fail", "inconclusive",
                                            "error"};
static const char *const status_names[] = {"pass", "fail", "inconclusive",
                                           "error", "skipped"};
static const char *const baseline_names[] = {"none", "regression",
                                             "no_regression", "inconclusive"};

static int parse_name(const char *s, const char *const *names, int n) {
  int i;
  if (!s)
    return -1;
  for (i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

const char *lg_verdict_name(lg_verdict v) {
  return (unsigned)v < 4 ? verdict_names[v] : "error";
}
const char *lg_check_status_name(lg_check_status s) {
  return (unsigned)s < 5 ? status_names[s] : "error";
}
const char *lg_baseline_verdict_name(lg_baseline_verdict v) {
  return (unsigned)v < 4 ? baseline_names[v] : "none";
}
int lg_verdict_parse(const char *s) {
  return parse_name(s, verdict_names, 4);
}
int lg_check_status_parse(const char *s) {
  return parse_name(s, status_names, 5);
}
int lg_baseline_verdict_parse(const char *s) {
  return parse_name(s, baseline_names, 4);
}

const lg_frame *lg_leak_site(const lg_leak_record *l) {
  size_t i;
  if (!l->n_stack)
    return NULL;
  for (i = 0; i < l->n_stack; i++)
    if (l->stack[i].file &&
        !lg_is_allocator_frame(l->stack[i].function, l->stack[i].file,
                               l->stack[i].object))
      return &l->stack[i];
  return &l->stack[0];
}

bool lg_leak_kind_gated(const lg_memcheck_result *m, const char *kind) {
  if (!kind)
    return false;
  return ((m->fail_on & LG_FAIL_DEFINITE) && strcmp(kind, "definite") == 0) ||
         ((m->fail_on & LG_FAIL_INDIRECT) && strcmp(kind, "indirect") == 0) ||
         ((m->fail_on & LG_FAIL_POSSIBLE) && strcmp(kind, "possible") == 0);
}

bool lg_leak_is_known(const lg_baseline_result *b, const char *fp) {
  size_t i;
  for (i = 0; fp && i < b->n_known_leaks; i++)
    if (strcmp(b->known_leaks[i], fp) == 0)
      return true;
  return false;
}
