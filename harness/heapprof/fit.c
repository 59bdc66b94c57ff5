/* heapprof/fit.c - lg_heapprof_finish: every site's live bytes against x,
 * fitted with the main verdict's pipeline, and the snapshots.
 *
 * Streams: the x grid is the runner's progress pairs (one every tick,
 * t -> completed requests; without them 256 points evenly over the
 * samples' time, x in seconds). A site's live bytes at t are the summed
 * weights of its sampled allocations alive at t (allocated at or before
 * t, not freed by t). Profiles: the grid is the snapshots, ordered by x.
 * Candidates: sites whose live bytes grew between the warm-up point
 * (warmup_fraction of the x span) and the end, at most MAX_CANDIDATES of
 * them by that growth (two passes over the events: growth first, then
 * the full series of the candidates only, so memory is O(candidates x
 * grid), not O(sites x grid)).
 * Fit (streams): lg_analyze on the site's series with the caller's
 * tolerance, confidence and warm-up places the analysed window W (after the
 * warm-up and any level shift) and the recent segment S (after a BIC hinge,
 * else the last third), exactly as for the main verdict. The bounds of W
 * and S do not come from the residuals, though: a sampled site's live bytes
 * are a sum of sampled allocations, a random walk around the trend whose
 * residuals are autocorrelated at every scale (lag-1 near 1: the AR(1)
 * inflation then makes every interval infinite). The sampling noise is
 * known instead: over a segment, the growth estimate is the Horvitz-Thompson
 * sum of the weights of the samples allocated in it and alive at its end
 * minus those alive at its start and freed in it, with variance
 * sum w^2 (1 - p) over the same samples (p the chance each was sampled);
 * rate = growth / x span, bounds rate -+ z SE at the one-sided confidence.
 * The verdict rule is then the main verdict's (lg__verdict_decide: leak when
 * L_S > d, or L_W > d and S not decelerating below half of W); a site grows
 * when that verdict is leak, and its rate and interval are the deciding
 * segment's.
 * Fit (profiles, which carry no per-sample data): lg_analyze with its own
 * bounds when there are at least LG_SERIES_MIN_POINTS of them, else
 * Theil-Sen with Sen's bounds over the points after the warm-up (at least
 * 3), growing when the lower bound exceeds the tolerance.
 * Output: growing sites ranked by rate (ties by function), at most
 * max_sites. Cost: O(E log E + C K^2) for E events, C candidates, K points.
 */
#include "heapprof/hp_int.h"

#include <leakgate/analysis.h>
#include <leakgate/series.h>

#include "analysis/project.h"
#include "analysis/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDIDATES 512
#define TIME_GRID 256
#define DECEL 0.5 /* the main verdict's "not decelerating": b_S >= 0.5 b_W */

typedef struct tev {
  double t;
  double bytes, objects;
  uint32_t site;
} tev;

typedef struct fit {
  uint32_t site;
  double rate, lo, hi, first, last;
  int64_t samples;
} fit;

static int cmp_tev(const void *a, const void *b) {
  const tev *x = a, *y = b;
  return x->t < y->t ? -1 : x->t > y->t;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct grid {
  double *t, *x;  /* K points */
  size_t k, warm; /* warm: first point after the warm-up */
  const char *x_name;
} grid;

/* x at stream time t: the grid interpolated (clamped). O(log k). */
static double grid_x(const grid *g, double t) {
  size_t lo = 0, hi = g->k - 1;
  if (t <= g->t[0])
    return g->x[0];
  if (t >= g->t[hi])
    return g->x[hi];
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (g->t[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  if (g->t[hi] <= g->t[lo])
    return g->x[hi];
  return g->x[lo] +
         (g->x[hi] - g->x[lo]) * (t - g->t[lo]) / (g->t[hi] - g->t[lo]);
}

static int stream_grid(const lg_heapprof *h, const lg_heapprof_opts *o, grid *g,
                       lg_error *err) {
  size_t i;
  double lo = INFINITY, hi = -INFINITY, span;
  if (h->n_prog >= 2) {
    g->k = h->n_prog;
    g->x_name = "requests";
  } else {
    for (i = 0; i < h->n_allocs; i++) {
      lo = fmin(lo, h->allocs[i].t_alloc);
      hi = fmax(hi, isfinite(h->allocs[i].t_free) ? h->allocs[i].t_free
                                                  : h->allocs[i].t_alloc);
    }
    g->k = TIME_GRID;
    g->x_name = "seconds";
  }
  g->t = malloc(g->k * sizeof *g->t);
  g->x = malloc(g->k * sizeof *g->x);
  if (!g->t || !g->x)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < g->k; i++) {
    if (h->n_prog >= 2) {
      g->t[i] = h->prog_t[i];
      g->x[i] = h->prog_x[i];
    } else {
      g->t[i] = lo + (hi - lo) * (double)i / (double)(g->k - 1);
      g->x[i] = g->t[i] - lo;
    }
  }
  span = g->x[g->k - 1] - g->x[0];
  for (g->warm = 0; g->warm + 1 < g->k &&
                    g->x[g->warm] < g->x[0] + o->warmup_fraction * span;
       g->warm++)
    ;
  return 0;
}

/* Events (+ at allocation, - at free) of every sample, sorted by time. */
static int stream_events(const lg_heapprof *h, tev **out, size_t *n,
                         lg_error *err) {
  tev *e = malloc((2 * h->n_allocs + 1) * sizeof *e);
  size_t i, k = 0;
  if (!e)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < h->n_allocs; i++) {
    const hp_alloc *a = &h->allocs[i];
    uint32_t site = h->stacks[a->stack].site;
    e[k++] = (tev){a->t_alloc, a->bytes, a->objects, site};
    if (isfinite(a->t_free))
      e[k++] = (tev){a->t_free, -a->bytes, -a->objects, site};
  }
  qsort(e, k, sizeof *e, cmp_tev);
  *out = e;
  *n = k;
  return 0;
}

/* Sweep the events over the grid: for each point of rows (site -> row or
 * -1), y[row * k + i] = live bytes at t[i]; tot gets the totals at the
 * warm-up point and at the end when rows is NULL. */
static void sweep(const tev *e, size_t ne, const grid *g, size_t n_sites,
                  double *cur, const int32_t *rows, double *y, double *at_warm,
                  double *at_end) {
  size_t i, j = 0, s;
  memset(cur, 0, n_sites * sizeof *cur);
  for (i = 0; i < g->k; i++) {
    while (j < ne && e[j].t <= g->t[i]) {
      cur[e[j].site] += e[j].bytes;
      j++;
    }
    if (rows) {
      for (s = 0; s < n_sites; s++)
        if (rows[s] >= 0)
          y[(size_t)rows[s] * g->k + i] = cur[s] > 0 ? cur[s] : 0;
    } else if (i == g->warm && at_warm) {
      memcpy(at_warm, cur, n_sites * sizeof *cur);
    }
  }
  if (at_end)
    memcpy(at_end, cur, n_sites * sizeof *cur);
}

/* Theil-Sen over the points after the warm-up (short profile sequences). */
static int small_fit(const double *x, const double *y, size_t k, size_t warm,
                     const lg_heapprof_opts *o, fit *f) {
  size_t n = k - warm;
  void *work;
  lg_sen sen;
  if (n < 3)
    return 0;
  work = malloc(lg__stat_theil_sen_work(n));
  if (!work)
    return LG_ENOMEM;
  lg__stat_theil_sen(x + warm, y + warm, n, o->confidence, -1, work, &sen);
  free(work);
  f->rate = sen.slope;
  f->lo = sen.lo;
  f->hi = sen.hi;
  return isfinite(sen.lo) && sen.lo > o->tolerance;
}

/* A site's samples: indices into h->allocs, grouped by site. */
typedef struct by_site {
  uint32_t *idx;
  size_t *first; /* site -> first index in idx; first[ns] = n_allocs */
} by_site;

/* Horvitz-Thompson growth of one site between stream times t0 < t1 and
 * its estimated variance (see the header). */
static void ht_growth(const lg_heapprof *h, const by_site *b, uint32_t site,
                      double t0, double t1, double *g, double *var) {
  size_t i;
  *g = *var = 0;
  for (i = b->first[site]; i < b->first[site + 1]; i++) {
    const hp_alloc *a = &h->allocs[b->idx[i]];
    double sign = 0, p;
    if (a->t_alloc > t0 && a->t_alloc <= t1 && a->t_free > t1)
      sign = 1; /* born in the segment, alive at its end */
    else if (a->t_alloc <= t0 && a->t_free > t0 && a->t_free <= t1)
      sign = -1; /* alive at its start, freed in it */
    if (sign == 0)
      continue;
    p = a->objects >= 1 ? 1 / a->objects : 1;
    *g += sign * a->bytes;
    *var += a->bytes * a->bytes * (1 - p);
  }
}

/* A segment's fit from the sampling model: slope and one-sided bounds. */
static void ht_segment(const lg_heapprof *h, const by_site *b, uint32_t site,
                       const grid *g, double x0, double z, lg_sen *out) {
  size_t i0 = 0;
  double growth, var, span, se;
  while (i0 + 1 < g->k && g->x[i0] < x0)
    i0++;
  memset(out, 0, sizeof *out);
  span = g->x[g->k - 1] - g->x[i0];
  if (!(span > 0)) {
    out->slope = NAN;
    out->lo = -INFINITY;
    out->hi = INFINITY;
    return;
  }
  ht_growth(h, b, site, g->t[i0], g->t[g->k - 1], &growth, &var);
  se = sqrt(var) / span;
  out->slope = growth / span;
  out->lo = out->slope - z * se;
  out->hi = out->slope + z * se;
  out->n = g->k - i0;
}

/* A stream site: lg_analyze places W and S, the sampling model bounds
 * them, lg__verdict_decide judges; 1 when it grows. */
static int fit_stream_site(const lg_heapprof *h, const by_site *b,
                           uint32_t site, const grid *g, const double *y,
                           const lg_heapprof_opts *o, fit *f, lg_error *err) {
  lg_series *s = NULL;
  lg_analysis a;
  lg_analysis_opts ao;
  lg_sen W, S;
  double z = lg__stat_norm_ppf(o->confidence);
  lg_analysis_opts_init(&ao);
  ao.tolerance = o->tolerance;
  ao.confidence = o->confidence;
  ao.warmup_fraction = o->warmup_fraction;
  if (lg_series_from_arrays(
          g->x, y, NULL, g->k, "heap_bytes",
          strcmp(g->x_name, "seconds") ? "requests" : "seconds", &s, err) ||
      lg_analyze(s, &ao, &a, err)) {
    lg_series_free(s);
    return 0;
  }
  lg_series_free(s);
  if (!isfinite(a.warmup_x) || !isfinite(a.recent_from_x))
    return 0; /* too few points after the warm-up: not judged */
  ht_segment(h, b, site, g, a.warmup_x, z, &W);
  ht_segment(h, b, site, g, a.recent_from_x, z, &S);
  {
    lg_verdict_in vin = {.W = &W,
                         .S = &S,
                         .tolerance = o->tolerance,
                         .decel = DECEL,
                         .strict = false,
                         .accel = a.recent_hinge &&
                                  a.recent_slope > o->tolerance &&
                                  a.recent_slope > a.window_slope};
    lg__verdict_decide(&vin, &a);
  }
  f->rate = a.slope;
  f->lo = a.slope_lo;
  f->hi = a.slope_hi;
  return a.leak == LG_LEAK_LEAK;
}

/* Fit one profile site's series; 1 when it grows. */
static int fit_profile_site(const double *x, const double *y, size_t k,
                            size_t warm, const char *x_name,
                            const lg_heapprof_opts *o, fit *f, lg_error *err) {
  lg_series *s = NULL;
  lg_analysis a;
  lg_analysis_opts ao;
  int grows;
  if (k < LG_SERIES_MIN_POINTS)
    return small_fit(x, y, k, warm, o, f);
  lg_analysis_opts_init(&ao);
  ao.tolerance = o->tolerance;
  ao.confidence = o->confidence;
  ao.warmup_fraction = o->warmup_fraction;
  /* the series knows two axes; any other x (profile index) is unitless */
  if (lg_series_from_arrays(x, y, NULL, k, "heap_bytes",
                            strcmp(x_name, "seconds") ? "requests" : "seconds",
                            &s, err) ||
      lg_analyze(s, &ao, &a, err)) {
    lg_series_free(s);
    return 0; /* a degenerate series (flat zero, one x) does not grow */
  }
  lg_series_free(s);
  f->rate = a.slope;
  f->lo = a.slope_lo;
  f->hi = a.slope_hi;
  grows = a.leak == LG_LEAK_LEAK;
  return grows;
}

static int cmp_fit(const void *a, const void *b) {
  const fit *x = a, *y = b;
  if (x->rate != y->rate)
    return x->rate > y->rate ? -1 : 1;
  return x->site < y->site ? -1 : x->site > y->site;
}

static int emit_sites(lg_heapprof *h, const lg_heapprof_opts *o, fit *fits,
                      size_t n, lg_heap_profile_result *out, lg_error *err) {
  size_t i, j;
  qsort(fits, n, sizeof *fits, cmp_fit);
  for (i = 0; i < n && i < o->max_sites; i++) {
    const hp_site *s = &h->sites[fits[i].site];
    const hp_frame *nm = lg__hp_site_name(s, o);
    lg_heap_site *r = lg_result_add_heap_site(
        out, nm->function, nm->file, nm->line, s->fingerprint, fits[i].rate,
        fits[i].lo, fits[i].hi);
    if (!r)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    r->first_bytes = fits[i].first;
    r->last_bytes = fits[i].last;
    r->samples = fits[i].samples;
    for (j = 0; j < s->n_frames; j++)
      if (lg_heap_site_add_frame(r, s->frames[j].function, s->frames[j].file,
                                 s->frames[j].line, s->frames[j].object))
        return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  return 0;
}

/* Write the stream snapshots at S instants spread over the steady part. */
static int stream_snapshots(lg_heapprof *h, const lg_heapprof_opts *o,
                            const grid *g, const uint32_t *rep,
                            lg_heap_profile_result *out, lg_error *err) {
  size_t S = o->snapshots, i, j;
  hp_live *live = calloc(h->n_sites ? h->n_sites : 1, sizeof *live);
  int rc = 0;
  if (!live)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  out->snapshots = 0;
  for (i = 0; i < S && rc == 0; i++) {
    double t0 = g->t[g->warm], t1 = g->t[g->k - 1];
    double t = S == 1 ? t1 : t0 + (t1 - t0) * (double)i / (double)(S - 1);
    char path[4096], comment[160];
    size_t n = 0;
    for (j = 0; j < h->n_sites; j++) {
      live[j].site = (uint32_t)j;
      live[j].stack = rep[j];
      live[j].bytes = live[j].objects = 0;
      live[j].alloc_bytes = live[j].alloc_objects = 0;
    }
    for (j = 0; j < h->n_allocs; j++) {
      const hp_alloc *a = &h->allocs[j];
      hp_live *l = &live[h->stacks[a->stack].site];
      if (a->t_alloc > t)
        continue;
      l->alloc_bytes += a->bytes;
      l->alloc_objects += a->objects;
      if (a->t_free > t) {
        l->bytes += a->bytes;
        l->objects += a->objects;
      }
    }
    for (j = 0; j < h->n_sites; j++)
      if (live[j].alloc_objects > 0)
        live[n++] = live[j];
    snprintf(comment, sizeof comment,
             "leakgate heap_profile snapshot %zu of %zu at %s %.0f", i + 1, S,
             g->x_name, grid_x(g, t));
    snprintf(path, sizeof path, "%s/snapshot.%02zu.pb.gz", o->snapshot_dir, i);
    rc = lg__hp_write_pprof(h, live, n, h->period, comment, t, path, err);
    if (rc == 0) {
      snprintf(path, sizeof path, "%s/snapshot.%02zu.heap", o->snapshot_dir, i);
      rc = lg__hp_write_gperf(h, live, n, path, err);
    }
    if (rc == 0)
      out->snapshots++;
  }
  free(live);
  return rc;
}

static int finish_streams(lg_heapprof *h, const lg_heapprof_opts *o,
                          lg_heap_profile_result *out, lg_error *err) {
  grid g;
  tev *ev = NULL;
  size_t ne = 0, i, nc = 0, ns, nf = 0;
  double *cur = NULL, *warm = NULL, *end = NULL, *y = NULL;
  int32_t *rows = NULL;
  uint32_t *cand = NULL, *rep = NULL;
  int64_t *nsamples = NULL;
  fit *fits = NULL;
  by_site bs = {NULL, NULL};
  int rc;

  memset(&g, 0, sizeof g);
  if ((rc = lg__hp_resolve_stacks(h, err)) ||
      (rc = stream_grid(h, o, &g, err)) ||
      (rc = stream_events(h, &ev, &ne, err)))
    goto cleanup;
  ns = h->n_sites;
  cur = calloc(ns + 1, sizeof *cur);
  warm = calloc(ns + 1, sizeof *warm);
  end = calloc(ns + 1, sizeof *end);
  rows = malloc((ns + 1) * sizeof *rows);
  cand = malloc((ns + 1) * sizeof *cand);
  rep = calloc(ns + 1, sizeof *rep);
  nsamples = calloc(ns + 1, sizeof *nsamples);
  if (!cur || !warm || !end || !rows || !cand || !rep || !nsamples) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < ns; i++)
    rep[i] = UINT32_MAX;
  for (i = 0; i < h->n_stacks; i++)
    if (h->stacks[i].site != UINT32_MAX && rep[h->stacks[i].site] == UINT32_MAX)
      rep[h->stacks[i].site] = (uint32_t)i;
  for (i = 0; i < h->n_allocs; i++)
    nsamples[h->stacks[h->allocs[i].stack].site]++;
  sweep(ev, ne, &g, ns, cur, NULL, NULL, warm, end);
  /* candidates: grew after the warm-up; the largest growth first */
  for (i = 0; i < ns; i++)
    if (end[i] > warm[i] && nsamples[i] >= 2)
      cand[nc++] = (uint32_t)i;
  if (nc > MAX_CANDIDATES) {
    /* keep the MAX_CANDIDATES largest growths: threshold by selection */
    double *gr = malloc(nc * sizeof *gr), thr;
    size_t k = 0;
    if (!gr) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (i = 0; i < nc; i++)
      gr[i] = end[cand[i]] - warm[cand[i]];
    qsort(gr, nc, sizeof *gr, cmp_double);
    thr = gr[nc - MAX_CANDIDATES];
    free(gr);
    for (i = 0; i < nc && k < MAX_CANDIDATES; i++)
      if (end[cand[i]] - warm[cand[i]] >= thr)
        cand[k++] = cand[i];
    nc = k;
  }
  for (i = 0; i < ns; i++)
    rows[i] = -1;
  for (i = 0; i < nc; i++)
    rows[cand[i]] = (int32_t)i;
  y = malloc((nc ? nc : 1) * g.k * sizeof *y);
  fits = calloc(nc ? nc : 1, sizeof *fits);
  if (!y || !fits) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (nc)
    sweep(ev, ne, &g, ns, cur, rows, y, NULL, NULL);
  /* group the samples by site (counting sort) for the segment sums */
  bs.idx = calloc(h->n_allocs ? h->n_allocs : 1, sizeof *bs.idx);
  bs.first = calloc(ns + 2, sizeof *bs.first);
  if (!bs.idx || !bs.first) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < ns; i++)
    bs.first[i + 1] = bs.first[i] + (size_t)nsamples[i];
  {
    size_t *at = malloc((ns + 1) * sizeof *at);
    if (!at) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
    memcpy(at, bs.first, (ns + 1) * sizeof *at);
    for (i = 0; i < h->n_allocs; i++)
      bs.idx[at[h->stacks[h->allocs[i].stack].site]++] = (uint32_t)i;
    free(at);
  }
  for (i = 0; i < nc; i++) {
    fit f;
    memset(&f, 0, sizeof f);
    f.site = cand[i];
    f.first = warm[cand[i]];
    f.last = end[cand[i]];
    f.samples = nsamples[cand[i]];
    if (fit_stream_site(h, &bs, cand[i], &g, y + i * g.k, o, &f, err))
      fits[nf++] = f;
  }
  lg_error_clear(err);
  if ((rc = emit_sites(h, o, fits, nf, out, err)))
    goto cleanup;
  out->sites_analyzed = (int64_t)nc;
  free(out->x);
  out->x = strdup(g.x_name);
  if (o->snapshot_dir && o->snapshots > 0)
    rc = stream_snapshots(h, o, &g, rep, out, err);
cleanup:
  free(g.t);
  free(g.x);
  free(ev);
  free(cur);
  free(warm);
  free(end);
  free(rows);
  free(cand);
  free(rep);
  free(nsamples);
  free(y);
  free(fits);
  free(bs.idx);
  free(bs.first);
  return rc;
}

static int cmp_snap(const void *a, const void *b) {
  const hp_snap *x = a, *y = b;
  return x->x < y->x ? -1 : x->x > y->x;
}

static int finish_profiles(lg_heapprof *h, const lg_heapprof_opts *o,
                           lg_heap_profile_result *out, lg_error *err) {
  size_t k = h->n_snaps, ns = h->n_sites, i, j, nf = 0, warm;
  double *x = malloc(k * sizeof *x), *y = NULL, span;
  fit *fits = NULL;
  int rc = 0;
  if (!x)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  qsort(h->snaps, k, sizeof *h->snaps, cmp_snap);
  for (i = 0; i < k; i++)
    x[i] = h->snaps[i].x;
  span = x[k - 1] - x[0];
  for (warm = 0; warm + 1 < k && x[warm] < x[0] + o->warmup_fraction * span;
       warm++)
    ;
  y = calloc(ns ? ns * k : 1, sizeof *y);
  fits = calloc(ns ? ns : 1, sizeof *fits);
  if (!y || !fits) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < k; i++)
    for (j = 0; j < h->snaps[i].n; j++) {
      const hp_point *p = &h->points[h->snaps[i].first + j];
      y[(size_t)p->site * k + i] += p->bytes;
    }
  for (i = 0; i < ns; i++) {
    fit f;
    const double *ys = y + i * k;
    if (!(ys[k - 1] > ys[warm]))
      continue;
    memset(&f, 0, sizeof f);
    f.site = (uint32_t)i;
    f.first = ys[warm];
    f.last = ys[k - 1];
    f.samples = -1;
    if (fit_profile_site(x, ys, k, warm, o->x_name ? o->x_name : "index", o, &f,
                         err))
      fits[nf++] = f;
  }
  lg_error_clear(err);
  rc = emit_sites(h, o, fits, nf, out, err);
  out->sites_analyzed = (int64_t)ns;
  out->snapshots = (int64_t)k;
cleanup:
  free(x);
  free(y);
  free(fits);
  return rc;
}

int lg_heapprof_finish(lg_heapprof *h, const lg_heapprof_opts *opts,
                       lg_heap_profile_result *out, lg_error *err) {
  lg_heapprof_opts o;
  int rc;
  if (opts)
    o = *opts;
  else
    lg_heapprof_opts_init(&o);
  if (!(o.confidence > 0.5 && o.confidence < 1) || !(o.tolerance >= 0) ||
      !(o.warmup_fraction >= 0 && o.warmup_fraction <= 0.9))
    return lg_error_set(err, LG_EUSAGE,
                        "heap profile: confidence, tolerance or warm-up out "
                        "of range");
  lg_result_clear_heap_sites(out);
  out->samples = (int64_t)h->n_allocs;
  out->period_bytes = h->period > 0 ? h->period : (h->n_snaps ? 0 : NAN);
  free(out->tool);
  out->tool = strdup(h->n_procs ? "sampler" : h->format ? h->format : "?");
  if (h->n_procs) {
    if (h->n_allocs == 0) {
      out->ran = true;
      out->sites_analyzed = 0;
      out->snapshots = 0;
      free(out->x);
      out->x = strdup(h->n_prog >= 2 ? "requests" : "seconds");
      return 0; /* nothing sampled: nothing grows */
    }
    rc = finish_streams(h, &o, out, err);
  } else if (h->n_snaps >= 2) {
    rc = finish_profiles(h, &o, out, err);
    free(out->x);
    out->x = strdup(o.x_name ? o.x_name : "index");
  } else {
    return lg_error_set(err, LG_EINPUT,
                        "heap profile: nothing to fit (no sample stream, "
                        "and %zu heap profile%s: at least 2 are needed)",
                        h->n_snaps, h->n_snaps == 1 ? "" : "s");
  }
  if (rc == 0)
    out->ran = true;
  return rc;
}
