/* valgrind/massif_series.c - the Massif snapshot accumulator: the heap
 * series, the bytes of every allocation site in every detailed tree, and
 * the ranking of growing sites (docs/valgrind.md "Growing sites").
 *
 * Sites live in an open-addressing hash table keyed by (function, file,
 * line); each keeps a sparse list of (tree, bytes) points, so memory is
 * O(sites + site appearances), not O(sites x trees).
 * Growth: trees in the first warmup_fraction of the x span are skipped
 * (while two remain); a site's first/last bytes are its bytes in the first
 * and last remaining trees (0 where it is absent: below Massif's threshold
 * or not allocated); it grows when last > first AND the Theil-Sen slope of
 * its bytes over the remaining trees is > 0 (drops a site that only spikes
 * in one snapshot) AND, with 4 or more trees, a Mann-Kendall test finds an
 * increasing trend (at 1%, or 5% with 4-5 trees; drops noise). At most 64
 * evenly spaced trees (always the first and last) enter the slope and the test.
 * Ranked by last - first, ties by name. Ownership: the series owns every array
 * and string; lg_massif_series_free frees it all. Hard caps: 2^22 sites, 2^24
 * site points, 2^22 series points and trees (LG_ELIMIT beyond).
 */
#include <leakgate/valgrind.h>

#include "core/buf.h"
#include "core/robust.h"
#include "valgrind/vg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS_MAX_SITES ((size_t)1 << 22)
#define MS_MAX_SITE_POINTS ((size_t)1 << 24)
#define MS_MAX_POINTS ((size_t)1 << 22)
#define MS_THEIL_SEN_MAX 64 /* trees used for a site's slope: O(64^2) */

void lg_massif_opts_init(lg_massif_opts *o) {
  o->warmup_fraction = 0.2;
  o->max_sites = 20;
}

int lg_massif_series_new(lg_massif_series **out, lg_error *err) {
  *out = calloc(1, sizeof **out);
  if (!*out)
    return lg_error_set(err, LG_ENOMEM, "massif: out of memory");
  return 0;
}

void lg_massif_series_free(lg_massif_series *s) {
  size_t i;
  if (!s)
    return;
  for (i = 0; i < s->n_sites; i++) {
    free(s->sites[i].fn);
    free(s->sites[i].file);
    free(s->sites[i].pts);
  }
  free(s->sites);
  free(s->table);
  free(s->x);
  free(s->y);
  free(s->tree_x);
  free(s);
}

size_t lg_massif_series_snapshots(const lg_massif_series *s) {
  return s->n;
}
size_t lg_massif_series_trees(const lg_massif_series *s) {
  return s->n_trees;
}

int lg__ms_point_add(lg_massif_series *s, double x, double y) {
  size_t cx = s->cap;
  int rc = lg__grow((void **)&s->x, &cx, s->n + 1, sizeof *s->x, MS_MAX_POINTS);
  if (rc)
    return rc;
  if (cx != s->cap) {
    double *ny = realloc(s->y, cx * sizeof *ny);
    if (!ny)
      return LG_ENOMEM; /* x grew, cap did not: retried next time */
    s->y = ny;
    s->cap = cx;
  }
  s->x[s->n] = x;
  s->y[s->n++] = y;
  return 0;
}

int lg__ms_tree_begin(lg_massif_series *s, double x) {
  int rc = lg__grow((void **)&s->tree_x, &s->cap_trees, s->n_trees + 1,
                    sizeof *s->tree_x, MS_MAX_POINTS);
  if (rc)
    return rc;
  s->tree_x[s->n_trees] = x;
  return (int)s->n_trees++;
}

static uint64_t site_hash(const char *fn, size_t fn_len, const char *file,
                          size_t file_len, int line) {
  uint64_t h = lg_vg_fnv(LG_FNV_OFFSET, fn, fn_len);
  h = lg_vg_fnv(h, "\t", 1);
  if (file)
    h = lg_vg_fnv(h, file, file_len);
  return lg_vg_fnv(h, &line, sizeof line);
}

static int same_str(const char *a, const char *b, size_t blen) {
  if (!a || !b)
    return !a && !b;
  return strncmp(a, b, blen) == 0 && a[blen] == '\0';
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static int table_rehash(lg_massif_series *s) {
  size_t cap = s->table_cap ? s->table_cap * 2 : 1024, i;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t)
    return LG_ENOMEM;
  for (i = 0; i < s->n_sites; i++) {
    size_t j = (size_t)s->sites[i].hash & (cap - 1);
    while (t[j])
      j = (j + 1) & (cap - 1);
    t[j] = (uint32_t)(i + 1);
  }
  free(s->table);
  s->table = t;
  s->table_cap = cap;
  return 0;
}

/* The site's index, created if new; < 0 on failure. */
static long site_find(lg_massif_series *s, const char *fn, size_t fn_len,
                      const char *file, size_t file_len, int line) {
  uint64_t h = site_hash(fn, fn_len, file, file_len, line);
  size_t j;
  ms_site *st;
  int rc;
  if (s->table_cap) {
    for (j = (size_t)h & (s->table_cap - 1); s->table[j];
         j = (j + 1) & (s->table_cap - 1)) {
      st = &s->sites[s->table[j] - 1];
      if (st->hash == h && st->line == line && same_str(st->fn, fn, fn_len) &&
          same_str(st->file, file, file_len))
        return (long)s->table[j] - 1;
    }
  }
  if ((s->n_sites + 1) * 2 > s->table_cap && (rc = table_rehash(s)) != 0)
    return rc;
  rc = lg__grow((void **)&s->sites, &s->cap_sites, s->n_sites + 1,
                sizeof *s->sites, MS_MAX_SITES);
  if (rc)
    return rc;
  st = &s->sites[s->n_sites];
  memset(st, 0, sizeof *st);
  st->fn = dup_n(fn, fn_len);
  st->file = file ? dup_n(file, file_len) : NULL;
  st->line = line;
  st->hash = h;
  if (!st->fn || (file && !st->file)) {
    free(st->fn);
    free(st->file);
    return LG_ENOMEM;
  }
  for (j = (size_t)h & (s->table_cap - 1); s->table[j];
       j = (j + 1) & (s->table_cap - 1))
    ;
  s->table[j] = (uint32_t)(s->n_sites + 1);
  return (long)s->n_sites++;
}

int lg__ms_site_add(lg_massif_series *s, const char *fn, size_t fn_len,
                    const char *file, size_t file_len, int line, double bytes) {
  long i = site_find(s, fn, fn_len, file, file_len, line);
  uint32_t tree = (uint32_t)(s->n_trees - 1);
  ms_site *st;
  size_t cap;
  int rc;
  if (i < 0)
    return (int)i;
  st = &s->sites[i];
  if (st->n_pts && st->pts[st->n_pts - 1].tree == tree) {
    st->pts[st->n_pts - 1].bytes += bytes; /* merged across the tree */
    return 0;
  }
  if (s->n_points >= MS_MAX_SITE_POINTS)
    return LG_ELIMIT;
  cap = st->cap_pts;
  rc = lg__grow((void **)&st->pts, &cap, (size_t)st->n_pts + 1, sizeof *st->pts,
                MS_MAX_SITE_POINTS);
  if (rc)
    return rc;
  st->cap_pts = (uint32_t)cap;
  st->pts[st->n_pts].tree = tree;
  st->pts[st->n_pts++].bytes = bytes;
  s->n_points++;
  return 0;
}

void lg__ms_rollback(lg_massif_series *s, size_t n, size_t n_trees) {
  size_t i;
  s->n = n;
  s->n_trees = n_trees;
  for (i = 0; i < s->n_sites; i++) {
    ms_site *st = &s->sites[i];
    while (st->n_pts && st->pts[st->n_pts - 1].tree >= n_trees) {
      st->n_pts--;
      s->n_points--;
    }
  }
}

/* ---- growth ranking ------------------------------------------------------ */

/* Theil-Sen slope of (x[i], y[i]); pairs with equal x are skipped. NAN
 * when no pair has distinct x. work holds n*(n-1)/2 doubles. */
static double theil_sen(const double *x, const double *y, size_t n,
                        double *work) {
  size_t i, j, m = 0;
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++)
      if (x[j] != x[i])
        work[m++] = (y[j] - y[i]) / (x[j] - x[i]);
  if (m == 0)
    return NAN;
  /* At most 64*63/2 = 2016 slopes, only for sites whose bytes grew. */
  return lg__median(work, m);
}

/* Mann-Kendall trend test: is y increasing with x (one-sided)? S counts
 * concordant minus discordant pairs, its variance is corrected for ties in
 * y; z = (S - 1) / sqrt(Var S). Level 1% (z >= 2.326) from 6 points on,
 * where a strictly increasing series reaches it; 5% (z >= 1.645) with 4
 * or 5 points. Needs n >= 4 (with fewer no ordering is significant, and
 * the caller skips the test).
 * work holds n doubles. O(n^2). */
static bool mk_increasing(const double *x, const double *y, size_t n,
                          double *work) {
  double sgn = 0, var, t;
  size_t i, j;
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++)
      if (x[j] != x[i])
        sgn += ((y[j] > y[i]) - (y[j] < y[i])) * (x[j] > x[i] ? 1 : -1);
  var = (double)n * (n - 1) * (2.0 * n + 5);
  memcpy(work, y, n * sizeof *work);
  qsort(work, n, sizeof *work, lg__cmp_double);
  for (i = 0; i < n; i = j) {
    for (j = i + 1; j < n && work[j] == work[i]; j++)
      ;
    t = (double)(j - i);
    var -= t * (t - 1) * (2 * t + 5);
  }
  var /= 18;
  return var > 0 && sgn > 0 &&
         (sgn - 1) / sqrt(var) >= (n >= 6 ? 2.326 : 1.645);
}

typedef struct ms_rank {
  size_t site;
  double first, last;
} ms_rank;

static int cmp_rank(const void *a, const void *b, void *ctx) {
  const ms_rank *x = a, *y = b;
  const lg_massif_series *s = ctx;
  const ms_site *sx = &s->sites[x->site], *sy = &s->sites[y->site];
  double gx = x->last - x->first, gy = y->last - y->first;
  int c;
  if (gx != gy)
    return gx > gy ? -1 : 1;
  c = strcmp(sx->fn, sy->fn);
  if (c)
    return c;
  c = strcmp(sx->file ? sx->file : "", sy->file ? sy->file : "");
  return c ? c : (sx->line > sy->line) - (sx->line < sy->line);
}

/* Index sort by x, stable (ties by index). */
static int cmp_idx(const void *a, const void *b, void *ctx) {
  const double *x = ctx;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  if (x[i] != x[j])
    return x[i] < x[j] ? -1 : 1;
  return (i > j) - (i < j);
}

static size_t *sorted_index(const double *x, size_t n) {
  size_t *ix = malloc((n ? n : 1) * sizeof *ix), i;
  if (!ix)
    return NULL;
  for (i = 0; i < n; i++)
    ix[i] = i;
  qsort_r(ix, n, sizeof *ix, cmp_idx, (void *)x);
  return ix;
}

/* The heap series sorted by x into m, and the peak. */
static int fill_heap(const lg_massif_series *s, lg_massif_result *m) {
  size_t *ix = sorted_index(s->x, s->n), i;
  double *x = malloc((s->n ? s->n : 1) * sizeof *x);
  double *y = malloc((s->n ? s->n : 1) * sizeof *y);
  double peak = NAN;
  int rc = LG_ENOMEM;
  if (!ix || !x || !y)
    goto cleanup;
  for (i = 0; i < s->n; i++) {
    x[i] = s->x[ix[i]];
    y[i] = s->y[ix[i]];
    if (isnan(peak) || y[i] > peak)
      peak = y[i];
  }
  rc = lg_result_set_heap(m, x, y, s->n);
  if (rc == 0)
    m->peak_heap_bytes = peak;
cleanup:
  free(ix);
  free(x);
  free(y);
  return rc;
}

/* Rank the growing sites of the trees in window[0..k) (tree indices in x
 * order) into m. O(sites x k + candidates x 64^2). */
static int rank_sites(const lg_massif_series *s, const size_t *window, size_t k,
                      size_t max_sites, lg_massif_result *m) {
  int *pos = malloc((s->n_trees ? s->n_trees : 1) * sizeof *pos);
  double *v = malloc(k * sizeof *v), *sx = NULL, *sy = NULL, *work = NULL;
  ms_rank *cand = NULL;
  size_t n_cand = 0, i, j, kk = k < MS_THEIL_SEN_MAX ? k : MS_THEIL_SEN_MAX;
  int rc = LG_ENOMEM;

  sx = malloc(kk * sizeof *sx);
  sy = malloc(kk * sizeof *sy);
  work = malloc((kk * (kk - 1) / 2 + 1) * sizeof *work);
  if (!pos || !v || !sx || !sy || !work)
    goto cleanup;
  for (i = 0; i < s->n_trees; i++)
    pos[i] = -1;
  for (i = 0; i < k; i++)
    pos[window[i]] = (int)i;
  for (i = 0; i < s->n_sites; i++) {
    const ms_site *st = &s->sites[i];
    double slope;
    memset(v, 0, k * sizeof *v);
    for (j = 0; j < st->n_pts; j++)
      if (st->pts[j].tree < s->n_trees && pos[st->pts[j].tree] >= 0)
        v[pos[st->pts[j].tree]] = st->pts[j].bytes;
    if (!(v[k - 1] > v[0]))
      continue;
    /* kk evenly spaced trees, always the first and the last. */
    for (j = 0; j < kk; j++) {
      size_t t = kk > 1 ? j * (k - 1) / (kk - 1) : 0;
      sx[j] = s->tree_x[window[t]];
      sy[j] = v[t];
    }
    slope = theil_sen(sx, sy, kk, work);
    if (!(slope > 0) || (kk >= 4 && !mk_increasing(sx, sy, kk, work)))
      continue;
    if (n_cand % 64 == 0) {
      ms_rank *nc = realloc(cand, (n_cand + 64) * sizeof *nc);
      if (!nc)
        goto cleanup;
      cand = nc;
    }
    cand[n_cand].site = i;
    cand[n_cand].first = v[0];
    cand[n_cand++].last = v[k - 1];
  }
  if (n_cand > 1)
    qsort_r(cand, n_cand, sizeof *cand, cmp_rank, (void *)s);
  rc = 0;
  for (i = 0; i < n_cand && i < max_sites && rc == 0; i++) {
    const ms_site *st = &s->sites[cand[i].site];
    rc = lg_result_add_site(m, st->fn, st->file, st->line, cand[i].first,
                            cand[i].last);
  }
cleanup:
  free(pos);
  free(v);
  free(sx);
  free(sy);
  free(work);
  free(cand);
  return rc;
}

int lg_massif_series_finish(lg_massif_series *s, const lg_massif_opts *opts,
                            lg_massif_result *m, lg_error *err) {
  lg_massif_opts o;
  size_t *order = NULL, start = 0;
  int rc;

  if (opts)
    o = *opts;
  else
    lg_massif_opts_init(&o);
  if (s->n == 0)
    return lg_error_set(err, LG_EINPUT, "massif: no snapshots were added");
  lg_result_clear_sites(m);
  rc = fill_heap(s, m);
  if (rc)
    goto cleanup;
  m->ran = true;
  if (s->n_trees < 2) {
    if (!m->note)
      m->note = strdup("fewer than 2 detailed Massif snapshots: growing "
                       "sites need an early and a late one");
    goto cleanup;
  }
  order = sorted_index(s->tree_x, s->n_trees);
  if (!order) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  if (o.warmup_fraction > 0 && o.warmup_fraction < 1) {
    double x0 = s->tree_x[order[0]], x1 = s->tree_x[order[s->n_trees - 1]];
    double cut = x0 + o.warmup_fraction * (x1 - x0);
    while (start < s->n_trees && s->tree_x[order[start]] < cut)
      start++;
    if (s->n_trees - start < 2)
      start = s->n_trees - 2; /* keep an early and a late tree */
  }
  rc = rank_sites(s, order + start, s->n_trees - start,
                  o.max_sites ? o.max_sites : 20, m);
cleanup:
  free(order);
  if (rc)
    return lg_error_set(err, rc, "massif: cannot build the result: %s",
                        lg_strerror(rc));
  return 0;
}
