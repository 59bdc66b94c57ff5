/* series/aggregate.c - bounded online aggregation of a memory series
 * (contract in aggregate.h).
 *
 * Why blocks of consecutive rows and not fixed x widths: rows arrive at a
 * fixed sampling interval whatever the x axis is, x may stall (quiet phases)
 * or jump, and its scale is unknown until the end. Counting rows needs no
 * guess; every point still carries its actual mean x, and minima carry the x
 * where they occurred, so the regression is always on the real x.
 *
 * Cost: O(1) amortised per row plus O(LG_AGG_SKETCH) for the median summary;
 * a pairwise merge of the whole table is O(LG_SERIES_MAX_POINTS * sketch) and
 * happens once per doubling. Memory: at most LG_SERIES_MAX_POINTS blocks of
 * about 350 bytes (1.4 MiB), allocated as the table fills.
 */
#include "series/aggregate.h"

#include "core/robust.h"

#include <leakgate/error.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SK_BUF (2 * LG_AGG_SKETCH)
#define LEVELS                                                                 \
  48 /* staging levels: blocks of up to 2^48 * LG_AGG_SKETCH rows */

/* A block of consecutive rows. qv is sorted ascending; qw are the weights
 * (rows each value stands for); their sum equals rows. The block being
 * filled keeps its summary in the staging area instead (nq == 0 here). */
typedef struct blk {
  double sum_x, sum_t;
  double min_y, min_x, min_t, max_y;
  uint64_t rows;
  uint32_t nq;
  double qv[SK_BUF];
  float qw[SK_BUF];
} blk;

/* The median summary of the block being filled, a binary counter of
 * equal-weight summaries (Munro-Paterson): raw values, then level l holding
 * LG_AGG_SKETCH values of weight 2^l. Only equal weights are ever compacted
 * together, so a late row weighs as much as an early one whatever the block
 * size (merging single rows into one heavy summary would starve them). */
typedef struct staging {
  double raw[SK_BUF];
  uint32_t nraw;
  uint64_t occupied; /* bit l: level l holds a summary */
  unsigned flip;     /* alternates the kept half between compactions */
  double lv[LEVELS][LG_AGG_SKETCH];
} staging;

struct lg_agg {
  blk *b;
  size_t nb, cap;
  uint64_t per_block; /* rows in a full block, a power of two */
  uint64_t rows;
  staging st;
};

lg_agg *lg__agg_new(void) {
  lg_agg *a = calloc(1, sizeof *a);
  if (a)
    a->per_block = 1;
  return a;
}

void lg__agg_free(lg_agg *a) {
  if (!a)
    return;
  free(a->b);
  free(a);
}

uint64_t lg__agg_rows(const lg_agg *a) {
  return a->rows;
}

/* Reduce n sorted weighted values to k values of equal weight placed at the
 * (j + 0.5)/k weighted quantiles. Deterministic; it adds at most half a
 * step (1/(2k) of the block) of rank error. */
static uint32_t compact(double *v, float *w, uint32_t n, uint32_t k) {
  double total = 0, cum = 0, out_v[LEVELS * LG_AGG_SKETCH + SK_BUF];
  uint32_t i = 0, j;
  for (j = 0; j < n; j++)
    total += w[j];
  for (j = 0; j < k; j++) {
    double target = (j + 0.5) * total / k;
    while (i + 1 < n && cum + w[i] < target) {
      cum += w[i];
      i++;
    }
    out_v[j] = v[i];
  }
  for (j = 0; j < k; j++) {
    v[j] = out_v[j];
    w[j] = (float)(total / k);
  }
  return k;
}

/* Keep every other value of 2k sorted equal-weight values (odd or even
 * ones, alternating, so the rounding does not pile up in one direction). */
static void halve(const double *in, double *out, unsigned *flip) {
  uint32_t j;
  for (j = 0; j < LG_AGG_SKETCH; j++)
    out[j] = in[2 * j + (*flip & 1)];
  (*flip)++;
}

/* Merge two sorted arrays of k values into out (2k values). */
static void merge_sorted(const double *a, const double *b, double *out) {
  uint32_t i = 0, j = 0, n = 0;
  while (i < LG_AGG_SKETCH || j < LG_AGG_SKETCH)
    out[n++] = (j >= LG_AGG_SKETCH || (i < LG_AGG_SKETCH && a[i] <= b[j]))
                   ? a[i++]
                   : b[j++];
}

/* Insertion sort: SK_BUF values, cheaper than qsort's indirect compares. */
static void sort_small(double *v, uint32_t n) {
  uint32_t i, j;
  for (i = 1; i < n; i++) {
    double t = v[i];
    for (j = i; j > 0 && v[j - 1] > t; j--)
      v[j] = v[j - 1];
    v[j] = t;
  }
}

static void stage_add(staging *st, double y) {
  double carry[LG_AGG_SKETCH], both[SK_BUF];
  unsigned l;
  st->raw[st->nraw++] = y;
  if (st->nraw < SK_BUF)
    return;
  sort_small(st->raw, SK_BUF);
  halve(st->raw, carry, &st->flip);
  st->nraw = 0;
  for (l = 1; l < LEVELS; l++) {
    if (!(st->occupied & (1ull << l))) {
      memcpy(st->lv[l], carry, sizeof carry);
      st->occupied |= 1ull << l;
      return;
    }
    merge_sorted(st->lv[l], carry, both);
    halve(both, carry, &st->flip);
    st->occupied &= ~(1ull << l);
  }
  /* Beyond 2^48 * k rows in one block: keep the top level. */
  memcpy(st->lv[LEVELS - 1], carry, sizeof carry);
  st->occupied |= 1ull << (LEVELS - 1);
}

/* Collapse the staging area into k's summary (one weighted compaction of
 * the union) and reset it. */
static void stage_flush(staging *st, blk *k) {
  static const uint32_t cap = LEVELS * LG_AGG_SKETCH + SK_BUF;
  double v[LEVELS * LG_AGG_SKETCH + SK_BUF];
  float w[LEVELS * LG_AGG_SKETCH + SK_BUF];
  uint32_t n = 0, i, j, idx[LEVELS * LG_AGG_SKETCH + SK_BUF];
  unsigned l;
  double pv[LEVELS * LG_AGG_SKETCH + SK_BUF];
  float pw[LEVELS * LG_AGG_SKETCH + SK_BUF];
  for (i = 0; i < st->nraw; i++) {
    pv[n] = st->raw[i];
    pw[n++] = 1;
  }
  for (l = 1; l < LEVELS; l++)
    if (st->occupied & (1ull << l))
      for (i = 0; i < LG_AGG_SKETCH && n < cap; i++) {
        pv[n] = st->lv[l][i];
        pw[n++] = (float)ldexp(1.0, (int)l);
      }
  /* Sort (value, weight) pairs by value: insertion sort of indices, n is
   * at most a few hundred and this runs once per block. */
  for (i = 0; i < n; i++) {
    uint32_t t = i;
    for (j = i; j > 0 && pv[idx[j - 1]] > pv[t]; j--)
      idx[j] = idx[j - 1];
    idx[j] = t;
  }
  for (i = 0; i < n; i++) {
    v[i] = pv[idx[i]];
    w[i] = pw[idx[i]];
  }
  if (n > SK_BUF)
    n = compact(v, w, n, LG_AGG_SKETCH);
  /* cppcheck takes n == 0 (nothing copied) as a read of unset v and w. */
  /* cppcheck-suppress uninitvar */
  memcpy(k->qv, v, n * sizeof *v);
  /* cppcheck-suppress uninitvar */
  memcpy(k->qw, w, n * sizeof *w);
  k->nq = n;
  st->nraw = 0;
  st->occupied = 0;
}

static void blk_init(blk *k, double x, double t, double y) {
  memset(k, 0, sizeof *k);
  k->sum_x = x;
  k->sum_t = t;
  k->min_y = k->max_y = y;
  k->min_x = x;
  k->min_t = t;
  k->rows = 1;
}

static void blk_add(blk *k, double x, double t, double y) {
  k->sum_x += x;
  k->sum_t += t;
  k->rows++;
  if (y < k->min_y) { /* strict: ties keep the earliest x */
    k->min_y = y;
    k->min_x = x;
    k->min_t = t;
  }
  if (y > k->max_y)
    k->max_y = y;
}

/* Merge complete block r into l (r follows l in x). */
static void blk_merge(blk *l, const blk *r) {
  double v[SK_BUF * 2];
  float w[SK_BUF * 2];
  uint32_t i = 0, j = 0, n = 0;
  l->sum_x += r->sum_x;
  l->sum_t += r->sum_t;
  l->rows += r->rows;
  if (r->min_y < l->min_y) {
    l->min_y = r->min_y;
    l->min_x = r->min_x;
    l->min_t = r->min_t;
  }
  if (r->max_y > l->max_y)
    l->max_y = r->max_y;
  while (i < l->nq || j < r->nq) {
    if (j >= r->nq || (i < l->nq && l->qv[i] <= r->qv[j])) {
      v[n] = l->qv[i];
      w[n++] = l->qw[i++];
    } else {
      v[n] = r->qv[j];
      w[n++] = r->qw[j++];
    }
  }
  if (n > SK_BUF)
    n = compact(v, w, n, LG_AGG_SKETCH);
  memcpy(l->qv, v, n * sizeof *v);
  memcpy(l->qw, w, n * sizeof *w);
  l->nq = n;
}

/* Weighted median of the summary: the usual median while it is exact. */
static double blk_median(const blk *k) {
  double total = 0, cum = 0;
  uint32_t i;
  for (i = 0; i < k->nq; i++)
    total += k->qw[i];
  for (i = 0; i < k->nq; i++) {
    cum += k->qw[i];
    if (cum > total / 2)
      return k->qv[i];
    if (cum == total / 2 && i + 1 < k->nq)
      return (k->qv[i] + k->qv[i + 1]) / 2;
  }
  return k->qv[k->nq - 1];
}

int lg__agg_add(lg_agg *a, double x, double t, double y) {
  a->rows++;
  if (a->nb > 0 && a->b[a->nb - 1].rows < a->per_block) {
    blk_add(&a->b[a->nb - 1], x, t, y);
    stage_add(&a->st, y);
    return 0;
  }
  if (a->nb > 0)
    stage_flush(&a->st, &a->b[a->nb - 1]); /* the last block is complete */
  if (a->nb == LG_SERIES_MAX_POINTS) {
    /* Every block is full: merge neighbours, halving the table. */
    size_t i;
    for (i = 0; i < a->nb / 2; i++) {
      blk tmp = a->b[2 * i];
      blk_merge(&tmp, &a->b[2 * i + 1]);
      a->b[i] = tmp;
    }
    a->nb /= 2;
    a->per_block *= 2;
  }
  if (a->nb == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 64;
    blk *nbk;
    if (cap > LG_SERIES_MAX_POINTS)
      cap = LG_SERIES_MAX_POINTS;
    nbk = realloc(a->b, cap * sizeof *nbk);
    if (!nbk) {
      a->rows--;
      return LG_ENOMEM;
    }
    a->b = nbk;
    a->cap = cap;
  }
  blk_init(&a->b[a->nb++], x, t, y);
  stage_add(&a->st, y);
  return 0;
}

/* Median of v[0..n) using scratch (n > 0); v is left as it is. */
static double median_of(const double *v, size_t n, double *scratch) {
  memcpy(scratch, v, n * sizeof *v);
  return lg__median(scratch, n);
}

/* Find GC/decay drops in the block medians m[0..n): a first difference
 * that is negative (memory fell) and below med - 6 robust SD, and that is
 * not the return of an upward spike (no difference above med + 6 SD in the
 * two before it). A growth that merely slowed is no drop: a very regular
 * leak has a robust SD near 0, so one smaller step (the service paused
 * under a loaded CPU) was 6 SD below and cut a straight line into
 * "cycles". drop[k] is the index of the first block after the k-th drop.
 * Returns the number of drops. */
static size_t find_drops(const double *m, size_t n, size_t *drop,
                         double *scratch) {
  double *d = scratch, *tmp = scratch + n, med, scale;
  size_t i, nd = 0;
  if (n < LG_SERIES_MIN_POINTS)
    return 0;
  scale = lg__diff_scale(m, n, d, tmp, &med);
  if (!(scale > 0))
    return 0;
  for (i = 0; i + 1 < n; i++) {
    if (d[i] < 0 && (d[i] - med) / scale < -6 &&
        !(i >= 1 && (d[i - 1] - med) / scale > 6) &&
        !(i >= 2 && (d[i - 2] - med) / scale > 6)) {
      /* A drop inside a block shows in two differences (into and out of the
       * block holding it); that block already holds the trough. */
      if (nd > 0 && drop[nd - 1] == i)
        continue;
      drop[nd++] = i + 1;
    }
  }
  return nd;
}

static int alloc_points(lg_series *s, size_t n) {
  s->x = malloc(n * sizeof *s->x);
  s->y = malloc(n * sizeof *s->y);
  s->t = malloc(n * sizeof *s->t);
  s->ymax = malloc(n * sizeof *s->ymax);
  if (!s->x || !s->y || !s->t || !s->ymax) {
    free(s->x);
    free(s->y);
    free(s->t);
    free(s->ymax);
    s->x = s->y = s->t = s->ymax = NULL;
    return LG_ENOMEM;
  }
  return 0;
}

/* Lower envelope from cycles: one point (the minimum) per stretch between
 * drops; stretches longer than two periods are cut into period-wide chunks
 * so a drop-free stretch still yields points. Writes at most nb points. */
static size_t envelope(const blk *b, size_t nb, const size_t *drop, size_t nd,
                       double period, lg_series *s) {
  size_t k, n = 0, start = 0;
  for (k = 0; k <= nd; k++) {
    size_t end = k < nd ? drop[k] : nb, i, best, cstart;
    double seg_w, ymax;
    if (end <= start)
      continue;
    seg_w = b[end - 1].sum_x / (double)b[end - 1].rows -
            b[start].sum_x / (double)b[start].rows;
    cstart = start;
    while (cstart < end) {
      double x0 = b[cstart].sum_x / (double)b[cstart].rows;
      best = cstart;
      ymax = b[cstart].max_y;
      for (i = cstart + 1; i < end; i++) {
        if (seg_w > 2 * period && b[i].sum_x / (double)b[i].rows - x0 >= period)
          break;
        if (b[i].min_y < b[best].min_y)
          best = i;
        if (b[i].max_y > ymax)
          ymax = b[i].max_y;
      }
      s->x[n] = b[best].min_x;
      s->y[n] = b[best].min_y;
      s->t[n] = b[best].min_t;
      s->ymax[n] = ymax;
      n++;
      cstart = i;
    }
    start = end;
  }
  return n;
}

int lg__agg_finish(const lg_agg *a, lg_aggregate mode, lg_series *s) {
  const blk *b = a->b;
  size_t nb = a->nb, i, nd = 0, *drop = NULL;
  double *m = NULL, *scratch = NULL, period = NAN;
  int rc = 0, use_cycles = 0;

  s->x = s->y = s->t = s->ymax = NULL;
  s->n = 0;
  s->gc_cycles = 0;
  s->gc_period_x = NAN;
  if (nb == 0)
    return 0;
  m = malloc(nb * sizeof *m);
  scratch = malloc(3 * nb * sizeof *scratch);
  drop = malloc(nb * sizeof *drop);
  if (!m || !scratch || !drop) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  for (i = 0; i + 1 < nb; i++)
    m[i] = blk_median(&b[i]);
  {
    /* The last block's summary is still staged. */
    blk last = b[nb - 1];
    staging st = a->st;
    stage_flush(&st, &last);
    m[nb - 1] = blk_median(&last);
  }
  if (mode != LG_AGG_MEDIAN)
    nd = find_drops(m, nb, drop, scratch);
  for (i = 0; i < nd; i++) {
    /* A drop late in block j shows as a drop into block j + 1, yet j holds
     * the trough: start the cycle at whichever holds the lower minimum. */
    size_t j = drop[i];
    if (j >= 1 && b[j - 1].min_y < b[j].min_y &&
        (i == 0 || drop[i - 1] < j - 1))
      drop[i] = j - 1;
  }
  if (nd >= 3) {
    size_t k;
    for (k = 1; k < nd; k++)
      scratch[k - 1] = b[drop[k]].sum_x / (double)b[drop[k]].rows -
                       b[drop[k - 1]].sum_x / (double)b[drop[k - 1]].rows;
    period = median_of(scratch, nd - 1, scratch + nb);
    s->gc_cycles = nd;
    s->gc_period_x = period;
    use_cycles = period > 0;
  }
  if ((rc = alloc_points(s, nb)) != 0)
    goto cleanup;
  if (use_cycles) { /* drops are only looked for when mode is not MEDIAN */
    s->n = envelope(b, nb, drop, nd, period, s);
    if (s->n >= LG_SERIES_MIN_POINTS) {
      s->aggregate = LG_AGG_MIN;
      goto done;
    }
    /* Too few cycles to judge: AUTO falls back to block medians, explicit
     * MIN to per-block minima. */
  }
  if (mode == LG_AGG_MIN) {
    for (i = 0; i < nb; i++) {
      s->x[i] = b[i].min_x;
      s->y[i] = b[i].min_y;
      s->t[i] = b[i].min_t;
      s->ymax[i] = b[i].max_y;
    }
    s->aggregate = LG_AGG_MIN;
  } else {
    for (i = 0; i < nb; i++) {
      s->x[i] = b[i].sum_x / (double)b[i].rows;
      s->y[i] = m[i];
      s->t[i] = b[i].sum_t / (double)b[i].rows;
      s->ymax[i] = b[i].max_y;
    }
    s->aggregate = LG_AGG_MEDIAN;
  }
  s->n = nb;
done:
  if (a->per_block == 1 && s->n == nb)
    s->x_block = 0;
  else
    s->x_block = s->n > 0 ? (s->x[s->n - 1] - s->x[0]) / (double)s->n : 0;
cleanup:
  free(m);
  free(scratch);
  free(drop);
  return rc;
}
