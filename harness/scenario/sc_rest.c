/* scenario/sc_rest.c - the sampling:, analysis:, valgrind:, baseline: and
 * profiles: sections (small, flat maps of typed values).
 */
#include "scenario/sc_internal.h"

#include <leakgate/runtime.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_PROFILES 64

int lg__sc_sampling(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"interval"};
  const yt_node *f[1];
  int rc;
  if ((rc = SC_FIELDS(c, v, "sampling", keys, f)) ||
      (rc = lg__sc_get_duration(c, f[0], "sampling.interval", false,
                                &c->sc->sampling_interval_s)))
    return rc;
  if (c->sc->sampling_interval_s < 0.01 - 1e-12)
    return lg__sc_fail(c, f[0], "sampling.interval", "must be at least 10ms");
  return 0;
}

/* analysis.min_evidence: {duration, requests} before the first look. */
static int min_evidence(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"duration", "requests"};
  lg_analysis_spec *a = &c->sc->analysis;
  const yt_node *f[2];
  int rc;
  if ((rc = SC_FIELDS(c, v, "analysis.min_evidence", keys, f)) ||
      (rc = lg__sc_get_duration(c, f[0], "analysis.min_evidence.duration",
                                false, &a->min_evidence_s)) ||
      (rc = lg__sc_get_u64(c, f[1], "analysis.min_evidence.requests",
                           &a->min_evidence_requests)))
    return rc;
  return 0;
}

/* Early stop needs a warm-up phase (never judged) and, to extend, a last
 * phase that sends requests; load.max_duration means nothing without it. */
static int early_stop_fits(sc_ctx *c, const yt_node *at) {
  const lg_load_spec *l = &c->sc->load;
  const lg_phase *last = l->n_phases ? &l->phases[l->n_phases - 1] : NULL;
  if (!c->sc->analysis.early_stop) {
    if (c->max_duration)
      return lg__sc_warn(c, c->max_duration, "load.max_duration",
                         "only read with analysis.early_stop: true");
    return 0;
  }
  if (l->n_phases < 2)
    return lg__sc_fail(c, at, "analysis.early_stop",
                       "needs a warm-up phase before the steady ones: at least "
                       "two load.phases (the first is never judged)");
  if (c->max_duration && last && last->rate == 0 &&
      (isnan(last->ramp_to) || last->ramp_to == 0) &&
      l->max_duration_s > lg_scenario_duration(c->sc))
    return lg__sc_fail(c, c->max_duration, "load.max_duration",
                       "the last phase '%s' sends no requests (rate 0), so "
                       "repeating it cannot decide anything",
                       last->name);
  return 0;
}

int lg__sc_analysis(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {
      "metric",          "tolerance",         "warmup",
      "confidence",      "on_inconclusive",   "max_time_to_limit",
      "tolerance_per_second", "early_stop",   "min_evidence",
      "heap_full",       "gc_time",           "throughput_floor"};
  static const char *const verdicts[] = {"fail", "pass"};
  lg_analysis_spec *a = &c->sc->analysis;
  const yt_node *f[12];
  int rc, m = (int)a->metric, pass = a->inconclusive_passes;
  if ((rc = SC_FIELDS(c, v, "analysis", keys, f)) ||
      (rc = SC_GET_ENUM(c, f[0], "analysis.metric", lg__sc_metric_names, &m)) ||
      (rc = lg__sc_get_size_f(c, f[1], "analysis.tolerance",
                              &a->tolerance_bytes)) ||
      (rc = lg__sc_get_fraction(c, f[2], "analysis.warmup",
                                &a->warmup_fraction)) ||
      (rc = lg__sc_get_number(c, f[3], "analysis.confidence", 0.5, 1, true,
                              &a->confidence)) ||
      (rc =
           SC_GET_ENUM(c, f[4], "analysis.on_inconclusive", verdicts, &pass)) ||
      (rc = lg__sc_get_duration(c, f[5], "analysis.max_time_to_limit", false,
                                &a->max_time_to_limit_s)) ||
      (rc = lg__sc_get_size_f(c, f[6], "analysis.tolerance_per_second",
                              &a->tolerance_per_second)) ||
      (rc = lg__sc_get_bool(c, f[7], "analysis.early_stop", &a->early_stop)) ||
      (rc = min_evidence(c, f[8])) ||
      (rc = early_stop_fits(c, f[7] ? f[7] : v)) ||
      (rc =
           lg__sc_get_fraction(c, f[9], "analysis.heap_full", &a->heap_full)) ||
      (rc = lg__sc_get_fraction(c, f[10], "analysis.gc_time",
                                &a->gc_time_max)) ||
      (rc = lg__sc_get_fraction(c, f[11], "analysis.throughput_floor",
                                &a->throughput_floor)))
    return rc;
  a->metric_set = a->metric_set || lg__sc_set(f[0]);
  /* For lg_run_check_runtime's file:line:column (a --set value has none). */
  if (lg__sc_set(f[0]) && !f[0]->origin) {
    a->metric_line = f[0]->line;
    a->metric_col = f[0]->col;
  }
  a->metric = (lg_metric)m;
  a->inconclusive_passes = pass == 1;
  if (a->warmup_fraction >= 1)
    return lg__sc_fail(c, f[2], "analysis.warmup",
                       "must be below 100%% (the rest of the run is analysed)");
  if (!(a->heap_full > 0 && a->heap_full <= 1))
    return lg__sc_fail(c, f[9], "analysis.heap_full",
                       "must be above 0%% and at most 100%%");
  if (!(a->gc_time_max > 0 && a->gc_time_max < 1))
    return lg__sc_fail(c, f[10], "analysis.gc_time",
                       "must be above 0%% and below 100%%");
  if (!(a->throughput_floor > 0 && a->throughput_floor < 1))
    return lg__sc_fail(c, f[11], "analysis.throughput_floor",
                       "must be above 0%% and below 100%%");
  return 0;
}

int lg__sc_check_analysis(sc_ctx *c, const yt_node *analysis) {
  const yt_node *m = lg__sc_set(analysis) && analysis->kind == YT_MAP
                         ? lg__yt_map_get(analysis, "metric")
                         : NULL;
  int rt = c->sc->service.runtime;
  /* A managed runtime reports its own heap (docs/runtimes.md): heap is
   * that, with no Massif. With service.runtime: auto the command decides,
   * which lg_run_check_runtime looks at (validate and run call it). */
  if (rt == LG_RUNTIME_GO || rt == LG_RUNTIME_JVM || rt == LG_RUNTIME_NODE)
    return 0;
  /* heap is judged on Massif's request-aligned heap snapshots (run/tiers.c):
   * without Massif nothing measures a native service's heap, and judging
   * anon_bytes under the name heap would mislead. */
  if (c->sc->analysis.metric == LG_METRIC_HEAP && !c->sc->valgrind.massif &&
      rt != LG_RUNTIME_AUTO)
    return lg__sc_fail(
        c, m ? m : analysis, "analysis.metric",
        "heap is the heap Massif measures, or a managed runtime's "
        "own: it needs valgrind.massif.enabled: true (then the "
        "verdict is Massif's heap growth per request, at "
        "valgrind.massif.load) or service.runtime: go, jvm or node");
  if (c->sc->analysis.metric == LG_METRIC_HEAP &&
      c->sc->valgrind.mode == LG_VG_ON_SUSPICION)
    return lg__sc_fail(
        c, m ? m : analysis, "analysis.metric",
        "heap needs valgrind.mode: always (on-suspicion runs "
        "Massif only when the RSS run suspects a leak, so a clean "
        "RSS run would leave no heap to judge)");
  return 0;
}

/* "2%" / "0.02" (a fraction of the scenario's requests and rate) or a plain
 * integer >= 1 (an absolute request count). */
static int tool_load(sc_ctx *c, const yt_node *v, const char *path,
                     lg_tool_load *out) {
  const char *p;
  uint64_t n = 0;
  double fr = 0;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if ((rc = lg__sc_scalar(c, v, path, "a percentage or a request count")))
    return rc;
  for (p = v->str; isdigit((unsigned char)*p); p++)
    ;
  if (!*p && p != v->str) {
    if ((rc = lg__sc_get_u64(c, v, path, &n)))
      return rc;
    if (n == 0)
      return lg__sc_fail(c, v, path,
                         "must be a request count of at least 1 or "
                         "a fraction like 2%%");
    out->requests = n;
    out->fraction = NAN;
    return 0;
  }
  if ((rc = lg__sc_get_fraction(c, v, path, &fr)))
    return rc;
  if (fr <= 0)
    return lg__sc_fail(c, v, path, "must be above 0%%");
  out->fraction = fr;
  out->requests = 0;
  return 0;
}

static int fail_on(sc_ctx *c, const yt_node *v, unsigned *bits) {
  static const char *const kinds[] = {"definite", "indirect", "possible",
                                      "errors"};
  /* kinds[k] is the bit 1 << k */
  _Static_assert(LG_FAIL_DEFINITE == 1 << 0 && LG_FAIL_INDIRECT == 1 << 1 &&
                     LG_FAIL_POSSIBLE == 1 << 2 && LG_FAIL_ERRORS == 1 << 3 &&
                     SC_NELEM(kinds) == 4,
                 "fail_on kinds in bit order");
  unsigned b = 0;
  size_t i;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if (v->kind != YT_SEQ)
    return lg__sc_fail(c, v, "valgrind.memcheck.fail_on",
                       "expected a list like [definite, indirect], got %s",
                       lg__sc_kind(v));
  for (i = 0; i < v->n; i++) {
    char p[SC_PATH_MAX];
    int k = 0;
    lg__sc_path_index(p, "valgrind.memcheck.fail_on", i);
    if ((rc = lg__sc_require(c, v, v->kids[i], p,
                             " (definite, indirect, possible or errors)")) ||
        (rc = SC_GET_ENUM(c, v->kids[i], p, kinds, &k)))
      return rc;
    b |= 1u << k;
  }
  *bits = b;
  return 0;
}

static int memcheck(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"enabled", "load", "suppressions",
                                     "fail_on", "budget"};
  lg_valgrind_spec *g = &c->sc->valgrind;
  const yt_node *f[5];
  size_t i;
  int rc;
  if ((rc = SC_FIELDS(c, v, "valgrind.memcheck", keys, f)) ||
      (rc = lg__sc_get_bool(c, f[0], "valgrind.memcheck.enabled",
                            &g->memcheck)) ||
      (rc = tool_load(c, f[1], "valgrind.memcheck.load", &g->memcheck_load)) ||
      (rc = lg__sc_get_strlist(c, f[2], "valgrind.memcheck.suppressions",
                               &g->suppressions, &g->n_suppressions)) ||
      (rc = fail_on(c, f[3], &g->fail_on)) ||
      (rc = lg__sc_get_size_f(c, f[4], "valgrind.memcheck.budget",
                              &g->memcheck_budget_bytes)))
    return rc;
  for (i = 0; i < g->n_suppressions; i++) {
    char *abs;
    if (!g->suppressions[i][0]) {
      char p[SC_PATH_MAX];
      lg__sc_path_index(p, "valgrind.memcheck.suppressions", i);
      return lg__sc_fail(c, f[2]->kids[i], p, "must not be empty");
    }
    if (!(abs = lg__sc_resolve(c->sc->dir, g->suppressions[i])))
      return lg_error_set(c->err, LG_ENOMEM, "out of memory");
    free(g->suppressions[i]);
    g->suppressions[i] = abs;
  }
  return 0;
}

static int massif(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"enabled", "load", "snapshots"};
  lg_valgrind_spec *g = &c->sc->valgrind;
  const yt_node *f[3];
  long long n = g->massif_snapshots;
  int rc;
  if ((rc = SC_FIELDS(c, v, "valgrind.massif", keys, f)) ||
      (rc = lg__sc_get_bool(c, f[0], "valgrind.massif.enabled", &g->massif)) ||
      (rc = tool_load(c, f[1], "valgrind.massif.load", &g->massif_load)) ||
      (rc = lg__sc_get_int(c, f[2], "valgrind.massif.snapshots", 1, 1000, &n)))
    return rc;
  g->massif_snapshots = (int)n;
  return 0;
}

int lg__sc_valgrind(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"mode", "memcheck", "massif"};
  static const char *const modes[] = {"always", "on-suspicion"};
  const yt_node *f[3];
  int rc, m = (int)c->sc->valgrind.mode;
  if ((rc = SC_FIELDS(c, v, "valgrind", keys, f)) ||
      (rc = SC_GET_ENUM(c, f[0], "valgrind.mode", modes, &m)) ||
      (rc = memcheck(c, f[1])) || (rc = massif(c, f[2])))
    return rc;
  c->sc->valgrind.mode = (lg_valgrind_mode)m;
  return 0;
}

int lg__sc_baseline(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"file", "tolerance", "missing"};
  static const char *const missing[] = {"pass", "fail"};
  lg_baseline_spec *b = &c->sc->baseline;
  const yt_node *f[3];
  int rc, m = b->missing_fails;
  if ((rc = SC_FIELDS(c, v, "baseline", keys, f)) ||
      (rc = lg__sc_get_str(c, f[0], "baseline.file", &b->file)) ||
      (rc = lg__sc_get_size_f(c, f[1], "baseline.tolerance",
                              &b->tolerance_bytes)) ||
      (rc = SC_GET_ENUM(c, f[2], "baseline.missing", missing, &m)))
    return rc;
  if (b->file && !b->file[0])
    return lg__sc_fail(c, f[0], "baseline.file",
                       "must not be empty (omit it for "
                       "no baseline)");
  b->missing_fails = m == 1;
  if (lg__sc_set(f[1]))
    b->tolerance_explicit = true;
  else
    b->tolerance_bytes = c->sc->analysis.tolerance_bytes;
  return 0;
}

/* Profile names are what --profile takes: keep them plain. */
static int profile_name_ok(const yt_node *k) {
  size_t i;
  if (k->len == 0 || k->len > 64 || strlen(k->str) != k->len)
    return 0;
  for (i = 0; i < k->len; i++)
    if (!isalnum((unsigned char)k->str[i]) && !strchr("._-", k->str[i]))
      return 0;
  return 1;
}

int lg__sc_profiles(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"duration_scale", "tolerance"};
  lg_scenario *sc = c->sc;
  size_t i, j;
  int rc;
  if (!lg__sc_set(v))
    return 0;
  if (v->kind != YT_MAP)
    return lg__sc_fail(
        c, v, "profiles",
        "expected a map of NAME: {duration_scale, tolerance}, got "
        "%s",
        lg__sc_kind(v));
  if (v->n > SC_MAX_PROFILES)
    return lg__sc_fail(c, v, "profiles", "more than %d profiles",
                       SC_MAX_PROFILES);
  if (!(sc->profiles = calloc(v->n ? v->n : 1, sizeof *sc->profiles)))
    return lg_error_set(c->err, LG_ENOMEM, "out of memory");
  for (i = 0; i < v->n; i++) {
    const yt_node *k = v->kids[2 * i], *f[2];
    lg_profile *pr = &sc->profiles[i];
    char p[SC_PATH_MAX], dp[SC_PATH_MAX], tp[SC_PATH_MAX];
    lg__sc_path(p, "profiles", k->str);
    if (!profile_name_ok(k))
      return lg__sc_fail(c, k, p,
                         "a profile name takes letters, digits, '.', "
                         "'_' and '-' (at most 64)");
    for (j = 0; j < i; j++)
      if (strcmp(sc->profiles[j].name, k->str) == 0)
        return lg__sc_fail(c, k, p, "duplicate key (first at line %u)",
                           v->kids[2 * j]->line);
    sc->n_profiles = i + 1;
    pr->duration_scale = 1;
    pr->tolerance_bytes = NAN;
    if (!(pr->name = strdup(k->str)))
      return lg_error_set(c->err, LG_ENOMEM, "out of memory");
    lg__sc_path(dp, p, "duration_scale");
    lg__sc_path(tp, p, "tolerance");
    if ((rc = SC_FIELDS(c, v->kids[2 * i + 1], p, keys, f)) ||
        (rc = lg__sc_get_number(c, f[0], dp, 0, 1e6, true,
                                &pr->duration_scale)) ||
        (rc = lg__sc_get_size_f(c, f[1], tp, &pr->tolerance_bytes)))
      return rc;
  }
  return 0;
}
