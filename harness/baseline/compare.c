/* baseline/compare.c - lg_baseline_compare: judge a run against main's
 * baseline entry for its scenario (method and reasons: docs/baseline.md;
 * research note growth-statistics.md sections 5 and 9.8).
 *
 * Slope: Delta = b_PR - b_main with SE = sqrt(SE_PR^2 + SE_main^2), each
 * side's SE = (hi - lo) / (2 z_c) from its Sen bounds at its own one-sided
 * level c; each side's slope is its window slope when the recent segment
 * agrees with it, else its verdict-deciding slope (pick() says why).
 * REGRESSION when Delta - z SE > tolerance, NO_REGRESSION when
 * Delta + z SE < tolerance, else INCONCLUSIVE. With at least
 * LG_BASELINE_HISTORY_MIN history slopes, a slope above
 * max(median + 3 * 1.4826 * MAD, median + tolerance) turns an inconclusive
 * interval into a regression.
 *
 * Memcheck: loss records of the gated kinds (memcheck.fail_on), summed per
 * fingerprint, are new (not in the baseline: fail), grown (more bytes than
 * the baseline's scaled to this run's requests, plus the leak growth
 * tolerance: fail) or known (reported; the memcheck check does not count
 * them).
 *
 * Heap profile: a growing site the baseline has (same stack fingerprint)
 * is known unless its rate rose beyond the tolerance (then grown, as a
 * Memcheck leak that grew); one whose stack was a Memcheck leak of main's
 * is known too (compare_heap).
 *
 * Cost: O(h log h) for a history of h runs, O((n + m) log m) for n and m
 * loss records, O(s (t + 4 k)) for s heap sites against t baseline sites
 * and k baseline loss records. Owns only temporary arrays; r->baseline is replaced (its
 * old contents freed); on LG_ENOMEM it is left reset to "not compared".
 */
#include "analysis/stats.h"
#include "baseline/bl_int.h"

#include <leakgate/valgrind.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_MAX 1536
#define MAD_SD 1.4826 /* MAD to standard deviation for normal data */
#define BAND_SD 3.0   /* robust SDs above the median the band allows */
#define DEFAULT_CONFIDENCE 0.99
#define DEFAULT_LEAK_GROWTH 0.25 /* of the baseline's scaled bytes */

void lg_compare_opts_init(lg_compare_opts *o) {
  memset(o, 0, sizeof *o);
  o->tolerance = NAN;
  o->confidence = NAN;
  o->missing_fails = false;
  o->leak_growth_tolerance = NAN;
}

/* A bounded note: sentences joined with "; ", truncated at NOTE_MAX. */
typedef struct note {
  char s[NOTE_MAX];
  size_t n;
} note;

static void add_note(note *nt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_note(note *nt, const char *fmt, ...) {
  va_list ap;
  int w;
  if (nt->n + 3 >= sizeof nt->s)
    return;
  if (nt->n) {
    memcpy(nt->s + nt->n, "; ", 3);
    nt->n += 2;
  }
  va_start(ap, fmt);
  w = vsnprintf(nt->s + nt->n, sizeof nt->s - nt->n, fmt, ap);
  va_end(ap);
  if (w > 0)
    nt->n +=
        (size_t)w < sizeof nt->s - nt->n ? (size_t)w : sizeof nt->s - nt->n - 1;
}

static bool level_ok(double c) {
  return c > 0.5 && c < 1;
}

/* Standard error of a slope from its one-sided bounds at level c: the
 * interval is +-z_c SE around the estimate for a symmetric one. Infinite
 * when a bound is (too few points for the level). */
static double se_of(double lo, double hi, double c) {
  if (!isfinite(lo) || !isfinite(hi) || hi < lo)
    return INFINITY;
  return (hi - lo) / (2 * lg__stat_norm_ppf(c));
}

/* The history band: median + BAND_SD robust SDs of the history slopes, or
 * NAN with fewer than LG_BASELINE_HISTORY_MIN finite ones. *med gets the
 * median. */
static int history_band(const bl_entry *e, double *limit, double *med,
                        size_t *used) {
  double *v, m;
  size_t i, n = 0;
  *limit = *med = NAN;
  *used = 0;
  if (e->n_history < LG_BASELINE_HISTORY_MIN)
    return 0;
  v = malloc(e->n_history * sizeof *v);
  if (!v)
    return LG_ENOMEM;
  for (i = 0; i < e->n_history; i++)
    if (isfinite(e->history[i].slope))
      v[n++] = e->history[i].slope;
  if (n >= LG_BASELINE_HISTORY_MIN) {
    m = lg__median(v, n);
    for (i = 0; i < n; i++)
      v[i] = fabs(v[i] - m);
    *med = m;
    *limit = m + BAND_SD * MAD_SD * lg__median(v, n);
    *used = n;
  }
  free(v);
  return 0;
}

static bl_slopes slopes_of(const lg_analysis *a) {
  bl_slopes s;
  s.slope = a->slope;
  s.lo = a->slope_lo;
  s.hi = a->slope_hi;
  s.w = a->window_slope;
  s.w_lo = a->window_lo;
  s.w_hi = a->window_hi;
  s.s_lo = a->recent_lo;
  s.s_hi = a->recent_hi;
  s.hinge = a->recent_hinge;
  return s;
}

/* The slope a side is compared with. The verdict-deciding slope is often
 * the recent segment S (the last third), whose interval is about three
 * times the window's; when S is the plain last third (no BIC hinge) and its
 * interval holds the window slope, the series is one linear regime as far
 * as the data tell and the window W estimates the same slope more
 * precisely. Otherwise (a hinge, or S disagreeing with W: warm-up curves,
 * late leaks) the deciding slope is the one that describes the run now. */
static void pick(const bl_slopes *s, double *b, double *lo, double *hi) {
  if (!s->hinge && isfinite(s->w) && isfinite(s->w_lo) && isfinite(s->w_hi) &&
      !(s->s_lo > s->w) && !(s->s_hi < s->w) && isfinite(s->s_lo) &&
      isfinite(s->s_hi)) {
    *b = s->w;
    *lo = s->w_lo;
    *hi = s->w_hi;
    return;
  }
  *b = s->slope;
  *lo = s->lo;
  *hi = s->hi;
}

static int compare_slope(lg_result *r, const bl_entry *e, double conf,
                         double tol, note *nt) {
  lg_baseline_result *out = &r->baseline;
  const lg_analysis *a = &r->analysis;
  bl_slopes pr_sl = slopes_of(a);
  double z = lg__stat_norm_ppf(conf), se_pr, se_main, se, d, limit, med;
  double b_pr, lo_pr, hi_pr, b_main, lo_main, hi_main;
  size_t used;
  int rc;

  if (!r->has_analysis || a->leak == LG_LEAK_UNKNOWN || !isfinite(a->slope)) {
    add_note(nt, "this run has no growth slope to compare with the baseline");
    return 0;
  }
  if (strcmp(a->metric, e->metric) != 0 || strcmp(a->x, e->x) != 0) {
    out->missing = true;
    add_note(nt,
             "the baseline measured %s per %s, this run %s per %s: slopes "
             "not compared (update the baseline from a main run of this "
             "scenario)",
             e->metric, e->x, a->metric, a->x);
    return 0;
  }
  out->baseline_leak = e->leak;
  pick(&pr_sl, &b_pr, &lo_pr, &hi_pr);
  pick(&e->sl, &b_main, &lo_main, &hi_main);
  out->baseline_slope = b_main;
  se_pr = se_of(lo_pr, hi_pr,
                level_ok(r->confidence) ? lg_analysis_level(a, r->confidence)
                                        : conf);
  se_main =
      se_of(lo_main, hi_main, level_ok(e->confidence) ? e->confidence : conf);
  se = hypot(se_pr, se_main);
  d = b_pr - b_main;
  out->slope_delta = d;
  out->delta_lo = d - z * se;
  out->delta_hi = d + z * se;
  if (out->delta_lo > tol)
    out->verdict = LG_BASELINE_REGRESSION;
  else if (out->delta_hi < tol)
    out->verdict = LG_BASELINE_NO_REGRESSION;
  else
    out->verdict = LG_BASELINE_INCONCLUSIVE;

  if ((rc = history_band(e, &limit, &med, &used)) != 0)
    return rc;
  out->history_limit = limit;
  if (used && a->slope > fmax(limit, med + tol)) {
    if (out->verdict == LG_BASELINE_INCONCLUSIVE) {
      out->verdict = LG_BASELINE_REGRESSION;
      add_note(nt,
               "slope %.4g is above the history band of %zu main runs "
               "(median %.4g, limit %.4g) and more than the tolerance above "
               "their median",
               a->slope, used, med, fmax(limit, med + tol));
    } else if (out->verdict == LG_BASELINE_NO_REGRESSION) {
      add_note(nt,
               "slope %.4g is above the history band of %zu main runs "
               "(limit %.4g) but not above the latest main run: main moved, "
               "not this change",
               a->slope, used, fmax(limit, med + tol));
    }
  }
  return 0;
}

static int cmp_fp(const char *x, const char *y) {
  return strcmp(x ? x : "", y ? y : "");
}

static int cmp_rec(const void *x, const void *y) {
  const lg_leak_record *const *a = x, *const *b = y;
  return cmp_fp((*a)->fingerprint, (*b)->fingerprint);
}

static int cmp_bl(const void *x, const void *y) {
  const bl_leak *const *a = x, *const *b = y;
  return cmp_fp((*a)->fingerprint, (*b)->fingerprint);
}

static double bytes0(double b) {
  return isfinite(b) && b > 0 ? b : 0;
}

/* Baseline bytes of fingerprint fp (summed over its records); -1 when the
 * baseline does not have it. bl is sorted by fingerprint. */
static double baseline_bytes(bl_leak *const *bl, size_t m, const char *fp) {
  size_t lo = 0, hi = m;
  double sum = 0;
  bool found = false;
  while (lo < hi) { /* first index with fingerprint >= fp */
    size_t mid = lo + (hi - lo) / 2;
    if (cmp_fp(bl[mid]->fingerprint, fp) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (; lo < m && cmp_fp(bl[lo]->fingerprint, fp) == 0; lo++) {
    sum += bytes0(bl[lo]->bytes);
    found = true;
  }
  return found ? sum : -1;
}

static int compare_leaks(lg_result *r, const bl_entry *e,
                         const lg_compare_opts *o, note *nt) {
  lg_baseline_result *out = &r->baseline;
  const lg_memcheck_result *m = &r->memcheck;
  const lg_leak_record **pr = NULL;
  bl_leak **bl = NULL;
  double ratio = 1;
  size_t i, j, n = 0, grown = 0;
  int rc = 0;

  if (!m->ran || m->n_leaks == 0)
    return 0;
  if (!e->memcheck_ran) {
    add_note(nt, "the baseline has no Memcheck run: this run's leaks are not "
                 "compared (the memcheck check gates them alone)");
    return 0;
  }
  pr = malloc(m->n_leaks * sizeof *pr);
  bl = malloc((e->n_leaks + 1) * sizeof *bl);
  if (!pr || !bl) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  for (i = 0; i < m->n_leaks; i++)
    if (lg_leak_kind_gated(m, m->leaks[i].kind) && m->leaks[i].fingerprint)
      pr[n++] = &m->leaks[i];
  for (i = 0; i < e->n_leaks; i++)
    bl[i] = &e->leaks[i];
  qsort(pr, n, sizeof *pr, cmp_rec);
  qsort(bl, e->n_leaks, sizeof *bl, cmp_bl);
  /* A leak per request leaks in proportion to the work: Memcheck's reduced
   * load is a share of the run's requests, so the allowance grows with
   * them (never shrinks: a one-off leak does not scale down). */
  if (r->load.requests > 0 && e->requests > 0)
    ratio = fmax(1.0, (double)r->load.requests / (double)e->requests);

  for (i = 0; i < n; i = j) {
    const char *fp = pr[i]->fingerprint;
    double bytes = 0, base, allowed;
    for (j = i; j < n && cmp_fp(pr[j]->fingerprint, fp) == 0; j++)
      bytes += bytes0(pr[j]->bytes);
    base = baseline_bytes(bl, e->n_leaks, fp);
    if (base < 0) {
      rc = lg_result_add_baseline_leak(out, false, fp);
    } else {
      base *= ratio;
      allowed = base + (isfinite(o->leak_growth_tolerance)
                            ? o->leak_growth_tolerance
                            : DEFAULT_LEAK_GROWTH * base);
      if (bytes > allowed) {
        const lg_frame *f = lg_leak_site(pr[i]);
        rc = lg_result_add_baseline_grown(out, fp);
        if (grown++ < 3)
          add_note(nt,
                   "known leak %s%s%s grew to %.0f bytes (baseline %.0f "
                   "scaled to this run's requests, %.0f allowed)",
                   fp, f && f->function ? " in " : "",
                   f && f->function ? f->function : "", bytes, base, allowed);
      } else {
        rc = lg_result_add_baseline_leak(out, true, fp);
      }
    }
    if (rc != 0)
      goto cleanup;
  }
cleanup:
  free(pr);
  free(bl);
  return rc;
}

/* Whether the baseline run's Memcheck had a leak with this stack: its
 * fingerprint under any leak kind (the heap profile's has none). */
static bool memcheck_knows(const bl_entry *e, const lg_heap_site *s) {
  static const char *const kinds[] = {"definite", "indirect", "possible",
                                      "reachable"};
  char fp[LG_FINGERPRINT_SIZE];
  size_t k, i;
  for (k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    lg_leak_fingerprint(kinds[k], s->stack, s->n_stack, fp, sizeof fp);
    for (i = 0; i < e->n_leaks; i++)
      if (strcmp(e->leaks[i].fingerprint, fp) == 0)
        return true;
  }
  return false;
}

static double sq(double v) { return v * v; }

/* Heap profile: each growing site of this run against the baseline's. A
 * site main had too (same stack fingerprint) is known unless its rate rose
 * beyond the tolerance with confidence: Delta = rate - rate_main, SE from
 * both intervals as for the slope, grown when Delta - z SE > tolerance (its
 * fingerprint joins grown_leaks, which fails the baseline check). A site
 * whose stack was one of main's Memcheck leaks is known too: the same leak,
 * found by another tier. The rest stay unknown (new), which the
 * heap_profile check fails on. Sets each site's known flag. */
static int compare_heap(lg_result *r, const bl_entry *e, double conf,
                        double tol, note *nt) {
  lg_heap_profile_result *h = &r->heap_profile;
  double z = lg__stat_norm_ppf(conf), d = isfinite(tol) ? tol : 0;
  size_t i, j, known = 0, grown = 0, fresh = 0;
  if (!h->ran)
    return 0;
  for (i = 0; i < h->n_sites; i++) {
    lg_heap_site *s = &h->growing_sites[i];
    const bl_heap_site *m = NULL;
    s->known = false;
    for (j = 0; s->fingerprint && j < e->n_heap_sites; j++)
      if (strcmp(e->heap_sites[j].fingerprint, s->fingerprint) == 0)
        m = &e->heap_sites[j];
    if (m) {
      double delta = s->bytes_per_request - m->rate;
      double se = sqrt(sq(se_of(s->ci_lo, s->ci_hi, conf)) +
                       sq(se_of(m->lo, m->hi, conf)));
      if (isfinite(se) && delta - z * se > d) {
        if (lg_result_add_baseline_grown(&r->baseline, s->fingerprint))
          return LG_ENOMEM;
        if (grown++ < 3)
          add_note(nt,
                   "growing site %s (%s) grew from %.4g to %.4g bytes per "
                   "request",
                   s->fingerprint, s->function ? s->function : "?", m->rate,
                   s->bytes_per_request);
        continue;
      }
      s->known = true;
      known++;
    } else if (memcheck_knows(e, s)) {
      s->known = true;
      known++;
    } else {
      fresh++;
    }
  }
  if (known || fresh)
    add_note(nt,
             "heap profile: %zu growing site%s known from the baseline, %zu "
             "new",
             known, known == 1 ? "" : "s", fresh);
  if (!e->heap_ran && h->n_sites)
    add_note(nt, "the baseline had no heap-profile pass: its sites are known "
                 "only from its Memcheck leaks");
  return 0;
}

/* "a, b, c" of the baseline's scenario names (at most 5). */
static void names_of(const lg_baseline *b, char *buf, size_t cap) {
  size_t i, k = 0;
  int w;
  buf[0] = '\0';
  for (i = 0; i < b->n_entries && i < 5 && k + 1 < cap; i++) {
    w = snprintf(buf + k, cap - k, "%s'%s'", i ? ", " : "", b->entries[i].name);
    k = w < 0 || (size_t)w >= cap - k ? cap - 1 : k + (size_t)w;
  }
  if (b->n_entries > 5 && k + 1 < cap)
    snprintf(buf + k, cap - k, ", ...");
}

int lg_baseline_compare(lg_result *r, const lg_baseline *b, const char *file,
                        const lg_compare_opts *o, lg_error *err) {
  lg_baseline_result *out = &r->baseline;
  lg_compare_opts dflt;
  const bl_entry *e = NULL;
  note nt;
  double conf, tol;
  char names[256];
  int rc = 0;

  if (!o) {
    lg_compare_opts_init(&dflt);
    o = &dflt;
  }
  if (!isnan(o->confidence) && !level_ok(o->confidence))
    return lg_error_set(err, LG_EUSAGE,
                        "baseline confidence must be between 0.5 and 1");
  if (!isnan(o->tolerance) && !(isfinite(o->tolerance) && o->tolerance >= 0))
    return lg_error_set(err, LG_EUSAGE,
                        "baseline tolerance must be a finite number >= 0");
  if (!isnan(o->leak_growth_tolerance) &&
      !(isfinite(o->leak_growth_tolerance) && o->leak_growth_tolerance >= 0))
    return lg_error_set(err, LG_EUSAGE,
                        "leak growth tolerance must be a finite number >= 0");
  memset(&nt, 0, sizeof nt);
  lg_result_reset_baseline(out);
  conf = !isnan(o->confidence)     ? o->confidence
         : level_ok(r->confidence) ? r->confidence
                                   : DEFAULT_CONFIDENCE;
  tol = !isnan(o->tolerance) ? o->tolerance
        : r->has_analysis    ? r->analysis.tolerance
                             : NAN;
  if (!file)
    file = b ? b->path : "baseline";
  out->tolerance = tol;
  out->missing_fails = o->missing_fails;
  if (!(out->file = strdup(file))) {
    rc = LG_ENOMEM;
    goto cleanup;
  }
  if (!b) {
    out->missing = true;
    add_note(&nt,
             "no baseline file %s: nothing to compare (a main-branch run "
             "creates it with `leakgate baseline update RESULT.json --into "
             "%s`)",
             file, file);
  } else if (b->version != LG_BASELINE_VERSION) {
    out->missing = true;
    add_note(&nt,
             "%s has baseline_version %ld, this leakgate reads version %d: "
             "not compared (update the baseline with this leakgate)",
             file, b->version, LG_BASELINE_VERSION);
  } else if (!(e = lg__bl_find(b, r->scenario_name))) {
    out->missing = true;
    names_of(b, names, sizeof names);
    add_note(&nt, "%s has no entry for scenario '%s' (it has %zu: %s)", file,
             r->scenario_name ? r->scenario_name : "?", b->n_entries,
             b->n_entries ? names : "none");
  } else {
    if ((rc = compare_slope(r, e, conf, tol, &nt)) != 0 ||
        (rc = compare_leaks(r, e, o, &nt)) != 0 ||
        (rc = compare_heap(r, e, conf, tol, &nt)) != 0)
      goto cleanup;
  }
  if (out->missing && !o->missing_fails)
    add_note(&nt, "not gated (baseline.missing: pass)");
  if (nt.n && !(out->note = strdup(nt.s)))
    rc = LG_ENOMEM;
cleanup:
  if (rc == LG_ENOMEM) {
    lg_result_reset_baseline(out);
    return lg_error_set(err, LG_ENOMEM, "out of memory comparing with %s",
                        file ? file : "the baseline");
  }
  return rc;
}
