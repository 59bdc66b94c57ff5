/* result/finish.c - lg_result_finish: the DESIGN exit-code table as code.
 *
 * Each stage fills its section; this file turns the sections into named
 * checks (one function per row of LG_FINISH_CHECKS in leakgate/result.h:
 * growth, oom, crash, memcheck, massif, baseline, time-to-limit, load), the
 * human reasons, the verdict and the exit code. Precedence:
 *   interrupted or r->error            -> error (4, or 2 for an input error)
 *   any check fail                     -> fail (1)
 *   any check error                    -> error (4)
 *   any check inconclusive             -> inconclusive (3; 0 when
 *                                         analysis.on_inconclusive: pass)
 *   otherwise                          -> pass (0)
 * The baseline section (docs/baseline.md) also softens two checks: a growth
 * leak the baseline has too is known (the baseline check judges the change),
 * and Memcheck bytes of fingerprints in baseline.known_leaks do not count
 * against the budget; a missing baseline fails only with baseline.missing:
 * fail, and a known leak that grew fails the baseline check.
 * A run never passes without evidence: no growth analysis and no error that
 * explains it is a growth check error, a tier that was meant to run and did
 * not is an error, and a load where most requests failed is an error.
 * Idempotent: the checks it derived before are replaced; checks added by
 * others are kept and count (one added under a name above, e.g. "growth"
 * with the analysis error message, takes the place of finish's own); the
 * reasons derived by the previous call are replaced while reasons added
 * with lg_result_add_reason are kept.
 * Owns nothing beyond the result; on ENOMEM the verdict still ends as error.
 */
#include "result/fmt.h"

#include <leakgate/result.h>
#include <leakgate/scenario.h>
#include <leakgate/units.h>

#include <assert.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 1024

/* A check to be added: status and message (bounded). */
typedef struct pending {
  lg_check_status st;
  char msg[MSG_MAX];
} pending;

/* One function per row of LG_FINISH_CHECKS (include/leakgate/result.h):
 * it reads the sections and fills the check's status and message. */
#define LG_CK_DECLARE(ID, fn, name)                                            \
  static void check_##fn(const lg_result *r, pending *p);
LG_FINISH_CHECKS(LG_CK_DECLARE)
#undef LG_CK_DECLARE

/* The check table: name and function by id, in report order. */
static const struct {
  const char *name;
  void (*derive)(const lg_result *r, pending *p);
} checks[LG_N_FINISH_CHECKS] = {
#define LG_CK_ROW(ID, fn, name_) [LG_CK_##ID] = {name_, check_##fn},
    LG_FINISH_CHECKS(LG_CK_ROW)
#undef LG_CK_ROW
};

const char *lg_check_name(lg_check_id id) {
  return (unsigned)id < LG_N_FINISH_CHECKS ? checks[id].name : NULL;
}

int lg_check_id_of(const char *name) {
  size_t i;
  for (i = 0; name && i < LG_N_FINISH_CHECKS; i++)
    if (strcmp(name, checks[i].name) == 0)
      return (int)i;
  return -1;
}

bool lg_result_check_is_finish_name(const char *name) {
  return lg_check_id_of(name) >= 0;
}

const lg_check *lg_result_check_by_id(const lg_result *r, lg_check_id id) {
  const char *name = lg_check_name(id);
  return name ? lg_result_check(r, name) : NULL;
}

static void setp(pending *p, lg_check_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void setp(pending *p, lg_check_status st, const char *fmt, ...) {
  va_list ap;
  p->st = st;
  va_start(ap, fmt);
  vsnprintf(p->msg, sizeof p->msg, fmt, ap);
  va_end(ap);
}

/* Append to p->msg (truncating). */
static void catp(pending *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void catp(pending *p, const char *fmt, ...) {
  size_t n = strlen(p->msg);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->msg + n, sizeof p->msg - n, fmt, ap);
  va_end(ap);
}

static bool oom_happened(const lg_result *r) {
  return r->container.oom_kills > 0 || r->service.oom_killed;
}

/* Whether the service section was filled at all (analyze has none). */
static bool service_ran(const lg_service_result *s) {
  return s->exit_status >= 0 || s->signal > 0 || s->crashed || s->oom_killed ||
         isfinite(s->ready_s);
}

/* "slope 64.2 B/req (98% CI 60.1 to 68.3)" */
static void slope_text(const lg_result *r, const lg_analysis *a, char *buf,
                       size_t cap) {
  char s[64], lo[64], hi[64], ci[32];
  snprintf(buf, cap, "%s (%s %s to %s)",
           lg__fmt_slope(s, sizeof s, a, a->slope),
           lg__fmt_ci_label(ci, sizeof ci, lg_analysis_level(a, r->confidence)),
           lg__fmt_num(lo, sizeof lo, a->slope_lo),
           lg__fmt_num(hi, sizeof hi, a->slope_hi));
}

static void check_growth(const lg_result *r, pending *p) {
  const lg_analysis *a = &r->analysis;
  char sl[192], tol[64], mds[64], need[64];
  if (!r->has_analysis || a->leak == LG_LEAK_UNKNOWN) {
    if (r->error || r->interrupted)
      setp(p, LG_CHECK_SKIPPED,
           "no growth analysis: the run did not get "
           "that far");
    else
      setp(p, LG_CHECK_ERROR,
           "no growth analysis: too few samples or no series to analyse, so "
           "the run cannot pass");
    return;
  }
  slope_text(r, a, sl, sizeof sl);
  lg__fmt_slope(tol, sizeof tol, a, a->tolerance);
  lg__fmt_slope(mds, sizeof mds, a, a->mds);
  switch (a->leak) {
  case LG_LEAK_LEAK:
    if (strcmp(a->decided_by, "limit") == 0)
      setp(p, LG_CHECK_FAIL,
           "memory grows: %s of %s, which reaches the memory limit within "
           "the run's own length (tolerance %s, %zu samples)",
           sl, a->metric[0] ? a->metric : "memory", tol, a->samples_used);
    else
      setp(p, LG_CHECK_FAIL,
           "memory grows: %s of %s, above the tolerance of %s (MDS %s, "
           "%zu samples, model %s)",
           sl, a->metric[0] ? a->metric : "memory", tol, mds, a->samples_used,
           a->model[0] ? a->model : "n/a");
    /* A leak main has too is known, not this change's: the baseline check
     * judges whether the change made it worse (docs/baseline.md). */
    if (r->baseline.verdict != LG_BASELINE_NONE &&
        r->baseline.baseline_leak == LG_LEAK_LEAK) {
      p->st = LG_CHECK_PASS;
      catp(p, "; a known leak: the baseline leaks too, so the baseline "
              "check judges the change");
    }
    break;
  case LG_LEAK_INCONCLUSIVE:
    setp(p, LG_CHECK_INCONCLUSIVE,
         "cannot decide: %s against the tolerance of %s (MDS %s, %zu samples)",
         sl, tol, mds, a->samples_used);
    if (isfinite(a->x_needed) && a->x_needed > 0)
      catp(p, "; a run of about %s %s would decide it",
           lg__fmt_num(need, sizeof need, a->x_needed),
           strcmp(a->x, "seconds") == 0 ? "seconds" : "requests");
    break;
  default:
    setp(p, LG_CHECK_PASS,
         "no leak: %s is within the tolerance of %s (MDS %s, %zu samples)", sl,
         tol, mds, a->samples_used);
  }
  {
    char es[128];
    catp(p, "%s", lg__fmt_early_stop(es, sizeof es, a));
  }
  if (a->reason[0])
    catp(p, ". %s", a->reason);
}

/* The container's own caveat (e.g. backend auto fell back to none), appended
 * to the oom check so nobody mistakes an unlimited run for a limited one. */
static void oom_note(const lg_result *r, pending *p) {
  if (r->container.note && r->container.note[0])
    catp(p, " (%s)", r->container.note);
}

static void oom_status(const lg_result *r, pending *p) {
  const lg_container_result *c = &r->container;
  char lim[32], peak[32], sl[192], at[64];
  lg_format_bytes(lim, sizeof lim, c->memory_limit_bytes);
  lg_format_bytes(peak, sizeof peak, c->peak_bytes);
  if (oom_happened(r)) {
    setp(p, LG_CHECK_FAIL,
         "OOM kill: the service was killed %lld time%s at "
         "the memory limit of %s (peak %s)",
         (long long)(c->oom_kills > 0 ? c->oom_kills : 1),
         c->oom_kills > 1 ? "s" : "", lim, peak);
    if (isfinite(r->chart.oom_x))
      catp(p, " after %s %s", lg__fmt_num(at, sizeof at, r->chart.oom_x),
           strcmp(r->analysis.x, "seconds") == 0 ? "seconds" : "requests");
    if (r->has_analysis && isfinite(r->analysis.slope)) {
      slope_text(r, &r->analysis, sl, sizeof sl);
      catp(p, "; growth before the kill: %s", sl);
    }
    return;
  }
  if (c->oom_kills < 0) {
    if (c->backend && strcmp(c->backend, "none") == 0)
      setp(p, LG_CHECK_SKIPPED,
           "no memory limit and no OOM detection: container backend none");
    else if (c->backend)
      setp(p, LG_CHECK_SKIPPED, "OOM detection off (container backend %s)",
           c->backend);
    else
      setp(p, LG_CHECK_SKIPPED, "no container in this result");
    return;
  }
  setp(p, LG_CHECK_PASS, "no OOM kill (limit %s, peak %s)", lim, peak);
}

static void check_oom(const lg_result *r, pending *p) {
  oom_status(r, p);
  oom_note(r, p);
}

static void check_crash(const lg_result *r, pending *p) {
  const lg_service_result *s = &r->service;
  char sig[32];
  if (!service_ran(s)) {
    setp(p, LG_CHECK_SKIPPED, "no service run in this result");
    return;
  }
  if (s->crashed && oom_happened(r) &&
      (s->signal == SIGKILL || s->signal == 0)) {
    setp(p, LG_CHECK_SKIPPED, "the service was OOM-killed (see the oom check)");
    return;
  }
  if (s->crashed) {
    if (s->signal > 0)
      setp(p, LG_CHECK_FAIL,
           "the service crashed: killed by %s before "
           "leakgate stopped it",
           lg__fmt_signal(sig, sizeof sig, s->signal));
    else
      setp(p, LG_CHECK_FAIL,
           "the service exited with status %d before leakgate stopped it",
           s->exit_status);
    return;
  }
  if (s->signal == SIGKILL && oom_happened(r)) {
    /* The kernel's OOM killer sent it, not leakgate's stop (perhaps before
     * the service was ready, so the run never counted it as a crash). */
    setp(p, LG_CHECK_SKIPPED,
         "ended by SIGKILL from the OOM killer (see the oom check)");
    return;
  }
  if (s->signal > 0)
    setp(p, LG_CHECK_PASS, "no crash (stopped by leakgate; ended by %s)",
         lg__fmt_signal(sig, sizeof sig, s->signal));
  else
    setp(p, LG_CHECK_PASS, "no crash (exit status %d after the stop)",
         s->exit_status);
}

/* Lost bytes of one kind: the Memcheck total when known, else the sum of the
 * leak records of that kind. */
static double lost_of(const lg_memcheck_result *m, const char *kind,
                      double total) {
  double sum = 0;
  size_t i;
  if (isfinite(total))
    return total;
  for (i = 0; i < m->n_leaks; i++)
    if (m->leaks[i].kind && strcmp(m->leaks[i].kind, kind) == 0 &&
        isfinite(m->leaks[i].bytes))
      sum += m->leaks[i].bytes;
  return sum;
}

/* Fails when the gated lost bytes exceed the budget; lg_result_finish
 * copies the outcome to memcheck.failed. */
static void check_memcheck(const lg_result *r, pending *p) {
  const lg_memcheck_result *m = &r->memcheck;
  bool failed;
  double dl, il, pl, gated = 0, budget, known = 0;
  size_t n_known = 0;
  char b1[32], b2[32], b3[32], bg[32], bb[32], fr[512];
  const lg_leak_record *top = NULL;
  size_t i;

  if (!m->ran) {
    if (m->enabled)
      setp(p, LG_CHECK_ERROR, "Memcheck was to run but did not: %s",
           m->note ? m->note : "no reason recorded");
    else
      setp(p, LG_CHECK_SKIPPED, "%s", m->note ? m->note : "Memcheck not run");
    return;
  }
  dl = lost_of(m, "definite", m->definitely_lost_bytes);
  il = lost_of(m, "indirect", m->indirectly_lost_bytes);
  pl = lost_of(m, "possible", m->possibly_lost_bytes);
  if (m->fail_on & LG_FAIL_DEFINITE)
    gated += dl;
  if (m->fail_on & LG_FAIL_INDIRECT)
    gated += il;
  if (m->fail_on & LG_FAIL_POSSIBLE)
    gated += pl;
  budget = isfinite(m->budget_bytes) ? m->budget_bytes : 0;
  for (i = 0; i < m->n_leaks; i++) {
    if (!lg_leak_kind_gated(m, m->leaks[i].kind))
      continue;
    if (lg_leak_is_known(&r->baseline, m->leaks[i].fingerprint)) {
      if (isfinite(m->leaks[i].bytes))
        known += m->leaks[i].bytes;
      n_known++;
      continue;
    }
    if (!top || m->leaks[i].bytes > top->bytes)
      top = &m->leaks[i];
  }
  failed = gated - known > budget ||
           ((m->fail_on & LG_FAIL_ERRORS) && m->errors > 0);
  setp(p, failed ? LG_CHECK_FAIL : LG_CHECK_PASS,
       "Memcheck: %s definitely, %s indirectly, %s possibly lost; %lld "
       "error%s; %s of the gated kinds against a budget of %s",
       lg_format_bytes(b1, sizeof b1, dl), lg_format_bytes(b2, sizeof b2, il),
       lg_format_bytes(b3, sizeof b3, pl),
       (long long)(m->errors > 0 ? m->errors : 0), m->errors == 1 ? "" : "s",
       lg_format_bytes(bg, sizeof bg, gated),
       lg_format_bytes(bb, sizeof bb, budget));
  if (n_known)
    catp(p, "; %s of it in %zu leak%s known from the baseline, not counted",
         lg_format_bytes(b3, sizeof b3, known), n_known,
         n_known == 1 ? "" : "s");
  if ((m->fail_on & LG_FAIL_ERRORS) && m->errors > 0)
    catp(p, "; memory errors are gated (fail_on: errors)");
  if (top) {
    const lg_frame *f = lg_leak_site(top);
    catp(p, "; top leak: %s in %lld block%s",
         lg_format_bytes(b2, sizeof b2, top->bytes), (long long)top->blocks,
         top->blocks == 1 ? "" : "s");
    if (f)
      catp(p, " at %s", lg__fmt_frame(fr, sizeof fr, f));
  }
}

static void check_massif(const lg_result *r, pending *p) {
  const lg_massif_result *m = &r->massif;
  char b1[32], b2[32], fr[512], sl[192];
  const lg_growing_site *top = NULL;
  size_t i;
  if (!m->ran) {
    if (m->enabled)
      setp(p, LG_CHECK_ERROR, "Massif was to run but did not: %s",
           m->note ? m->note : "no reason recorded");
    else
      setp(p, LG_CHECK_SKIPPED, "%s", m->note ? m->note : "Massif not run");
    return;
  }
  for (i = 0; i < m->n_sites; i++)
    if (!top || m->growing_sites[i].growth_bytes > top->growth_bytes)
      top = &m->growing_sites[i];
  /* Advisory by design: per-site attribution diagnoses, the RSS growth and
   * Memcheck gate (refactors move allocations between sites). */
  setp(p, LG_CHECK_PASS, "Massif (advisory): peak heap %s; %zu growing site%s",
       lg_format_bytes(b1, sizeof b1, m->peak_heap_bytes), m->n_sites,
       m->n_sites == 1 ? "" : "s");
  if (top) {
    lg_frame f = {top->function, top->file, NULL, top->line};
    catp(p, "; top: %s grew by %s", lg__fmt_frame(fr, sizeof fr, &f),
         lg_format_bytes(b2, sizeof b2, top->growth_bytes));
  }
  if (m->heap_analysis.leak != LG_LEAK_UNKNOWN &&
      isfinite(m->heap_analysis.slope)) {
    lg__fmt_slope(sl, sizeof sl, &m->heap_analysis, m->heap_analysis.slope);
    catp(p, "; heap slope %s (%s)", sl, lg__fmt_leak(m->heap_analysis.leak));
  }
}

/* The heap-profile tier: fails on growing allocation sites that are not
 * known from the baseline (docs/heap-profile.md). */
static void check_heap_profile(const lg_result *r, pending *p) {
  const lg_heap_profile_result *h = &r->heap_profile;
  char fr[512], rate[64], lo[64], hi[64], per[32], ci[32];
  const char *unit = lg__fmt_heap_unit(h->x);
  size_t i, unknown = 0, shown = 0;
  bool failed;
  if (!h->ran) {
    if (h->enabled && !(h->unsupported && !h->required))
      setp(p, LG_CHECK_ERROR, "the heap profile was to run but did not: %s",
           h->note ? h->note : "no reason recorded");
    else
      setp(p, LG_CHECK_SKIPPED, "%s",
           h->note ? h->note : "heap profile not run");
    return;
  }
  for (i = 0; i < h->n_sites; i++)
    unknown += !h->growing_sites[i].known;
  failed = unknown > 0;
  lg_format_bytes(per, sizeof per, h->period_bytes);
  lg__fmt_ci_label(ci, sizeof ci, r->confidence);
  if (!h->n_sites)
    setp(p, LG_CHECK_PASS, "heap profile: no allocation site grows");
  else
    setp(p, failed ? LG_CHECK_FAIL : LG_CHECK_PASS,
         "heap profile: %zu allocation site%s grow%s%s:", h->n_sites,
         h->n_sites == 1 ? "" : "s", h->n_sites == 1 ? "s" : "",
         unknown < h->n_sites ? " (some known from the baseline)" : "");
  for (i = 0; i < h->n_sites && shown < 3; i++, shown++) {
    const lg_heap_site *s = &h->growing_sites[i];
    lg_frame f = {s->function, s->file, NULL, s->line};
    catp(p, "%s %s %s %s (%s %s to %s)%s", shown ? ";" : "",
         lg__fmt_frame(fr, sizeof fr, &f),
         lg__fmt_num(rate, sizeof rate, s->bytes_per_request), unit, ci,
         lg__fmt_num(lo, sizeof lo, s->ci_lo),
         lg__fmt_num(hi, sizeof hi, s->ci_hi), s->known ? " known" : "");
  }
  if (h->n_sites > shown)
    catp(p, "; ...");
  catp(p, " (%lld site%s analysed, sampled every %s", (long long)h->sites_analyzed,
       h->sites_analyzed == 1 ? "" : "s", per);
  if (isfinite(h->throughput_ratio))
    catp(p, ", throughput %.2f of the main run", h->throughput_ratio);
  catp(p, ")");
}

static void check_baseline(const lg_result *r, pending *p) {
  const lg_baseline_result *b = &r->baseline;
  const lg_analysis *a = &r->analysis;
  char d[64], lo[64], hi[64], tol[64], ci[32];
  size_t i;

  lg__fmt_slope(d, sizeof d, a, b->slope_delta);
  lg__fmt_num(lo, sizeof lo, b->delta_lo);
  lg__fmt_num(hi, sizeof hi, b->delta_hi);
  lg__fmt_ci_label(ci, sizeof ci, r->confidence);
  lg__fmt_slope(tol, sizeof tol, a, b->tolerance);
  switch (b->verdict) {
  case LG_BASELINE_NONE:
    /* baseline.missing: fail turns a missing baseline into a failure. */
    setp(p, b->missing && b->missing_fails ? LG_CHECK_FAIL : LG_CHECK_SKIPPED,
         "%s", b->note ? b->note : "no baseline to compare");
    if (b->missing && b->missing_fails)
      catp(p, " (baseline.missing: fail)");
    break;
  case LG_BASELINE_REGRESSION:
    setp(p, LG_CHECK_FAIL,
         "regression against the baseline%s%s: slope "
         "changed by %s (%s %s to %s)",
         b->file ? " " : "", b->file ? b->file : "", d, ci, lo, hi);
    if (isfinite(b->tolerance))
      catp(p, ", above the tolerance of %s", tol);
    break;
  case LG_BASELINE_INCONCLUSIVE:
    setp(p, LG_CHECK_INCONCLUSIVE,
         "baseline comparison cannot decide: slope changed by %s (%s %s to %s)",
         d, ci, lo, hi);
    if (isfinite(b->tolerance))
      catp(p, " against the tolerance of %s", tol);
    break;
  default:
    setp(p, LG_CHECK_PASS,
         "no slope regression against the baseline: "
         "changed by %s (%s %s to %s)",
         d, ci, lo, hi);
  }
  if (b->n_new_leaks) {
    p->st = LG_CHECK_FAIL;
    catp(p, "; %zu new leak%s not in the baseline:", b->n_new_leaks,
         b->n_new_leaks == 1 ? "" : "s");
    for (i = 0; i < b->n_new_leaks && i < 5; i++)
      catp(p, " %s", b->new_leaks[i]);
    if (b->n_new_leaks > 5)
      catp(p, " ...");
  }
  if (b->n_grown_leaks) {
    p->st = LG_CHECK_FAIL;
    catp(p, "; %zu known leak%s grew beyond the tolerance:", b->n_grown_leaks,
         b->n_grown_leaks == 1 ? "" : "s");
    for (i = 0; i < b->n_grown_leaks && i < 5; i++)
      catp(p, " %s", b->grown_leaks[i]);
    if (b->n_grown_leaks > 5)
      catp(p, " ...");
  }
  if (b->n_known_leaks)
    catp(p, "; %zu known leak%s (in the baseline too, not failed)",
         b->n_known_leaks, b->n_known_leaks == 1 ? "" : "s");
  if (b->note && b->verdict != LG_BASELINE_NONE)
    catp(p, " (%s)", b->note);
}

static void check_ttl(const lg_result *r, pending *p) {
  const lg_analysis *a = &r->analysis;
  char t[32], tmin[32], lim[32], max[32], rate[32];
  lg_format_duration(t, sizeof t, a->time_to_limit_s);
  lg_format_duration(tmin, sizeof tmin, a->time_to_limit_min_s);
  lg_format_duration(max, sizeof max, r->max_time_to_limit_s);
  lg_format_bytes(lim, sizeof lim, r->container.memory_limit_bytes);
  lg__fmt_num(rate, sizeof rate, a->x_rate);
  if (oom_happened(r)) {
    /* Reached, not projected: gated, that is a failure of its own. */
    setp(p, isfinite(r->max_time_to_limit_s) ? LG_CHECK_FAIL : LG_CHECK_SKIPPED,
         "the service reached the %s limit within the run (OOM kill): "
         "nothing to project",
         lim);
    return;
  }
  if (!r->has_analysis || a->leak == LG_LEAK_UNKNOWN) {
    setp(p, LG_CHECK_SKIPPED, "no growth analysis to project from");
    return;
  }
  if (!isfinite(r->max_time_to_limit_s)) {
    if (isfinite(a->time_to_limit_s))
      setp(p, LG_CHECK_SKIPPED, "not gated; projected time to the %s limit: %s",
           lim, t);
    else
      setp(p, LG_CHECK_SKIPPED, "not gated; no projected OOM");
    return;
  }
  if (!isfinite(r->container.memory_limit_bytes)) {
    setp(p, LG_CHECK_ERROR,
         "max_time_to_limit is set (%s) but the run has no "
         "memory limit to project to",
         max);
    return;
  }
  if (!isfinite(a->time_to_limit_s)) {
    setp(p, LG_CHECK_PASS,
         "memory does not grow toward the %s limit: no "
         "projected OOM (required at least %s)",
         lim, max);
    return;
  }
  /* "at 1500 req/s": the rate the projection assumes; on a time axis it
   * is 1 s/s, which says nothing. */
  if (strcmp(a->x, "seconds") == 0)
    rate[0] = '\0';
  else
    snprintf(rate + strlen(rate), sizeof rate - strlen(rate), " req/s");
  setp(p,
       a->time_to_limit_s < r->max_time_to_limit_s ? LG_CHECK_FAIL
                                                   : LG_CHECK_PASS,
       "projected time to the %s limit: %s%s%s (%s at the upper slope "
       "bound); required at least %s",
       lim, t, rate[0] ? " at " : "", rate, tmin, max);
}

static void check_load(const lg_result *r, pending *p) {
  const lg_load_result *l = &r->load;
  int64_t req = l->requests > 0 ? l->requests : 0;
  int64_t err = l->errors > 0 ? l->errors : 0, total = req + err;
  char d[32], rps[32], p99[32], pct[32];
  if (!l->driver) {
    setp(p, LG_CHECK_SKIPPED, "no load in this result");
    return;
  }
  lg_format_duration(d, sizeof d, l->duration_s);
  if (strcmp(l->driver, "exec") == 0 &&
      (l->exec_exit_status == 126 || l->exec_exit_status == 127)) {
    setp(p, LG_CHECK_ERROR,
         "the load command could not be run (exit status "
         "%d: not found or not executable)",
         l->exec_exit_status);
    return;
  }
  if (l->requests < 0) {
    setp(p, LG_CHECK_PASS, "%s load ran for %s (requests not counted)",
         l->driver, d);
    if (l->exec_exit_status >= 0)
      catp(p, "; load command exit status %d", l->exec_exit_status);
    return;
  }
  if (total == 0) {
    setp(p, LG_CHECK_ERROR, "%s load completed no request in %s", l->driver, d);
    return;
  }
  setp(p, err * 2 > total ? LG_CHECK_ERROR : LG_CHECK_PASS,
       "%s%lld requests, %lld errors (%s%%) in %s, %s req/s, p99 %s ms",
       err * 2 > total ? "most requests failed: " : "", (long long)req,
       (long long)err,
       lg__fmt_num(pct, sizeof pct, 100.0 * (double)err / (double)total), d,
       lg__fmt_num(rps, sizeof rps, l->throughput_rps),
       lg__fmt_num(p99, sizeof p99, l->p99_ms));
  if (err > 0 && l->err_connect >= 0)
    catp(p,
         " (connect %lld, read %lld, write %lld, timeout %lld, status "
         "%lld, parse %lld)",
         (long long)l->err_connect, (long long)l->err_read,
         (long long)l->err_write, (long long)l->err_timeout,
         (long long)l->err_status, (long long)l->err_parse);
  if (l->dropped > 0)
    catp(p, "; %lld due requests were not sent (every connection busy)",
         (long long)l->dropped);
}

/* ---- the managed runtime's checks (issue 12, docs/runtimes.md "Checks") --
 * Only for a service that runs on a managed runtime (runtime.name go, jvm,
 * node or python): for a native one they are left out, not skipped, so its
 * report stays what it was. Each message says what was seen, pass or fail,
 * so the decision can be checked by hand from result.json. */

/* A check with nothing to say for this result: not added at all. */
#define CHECK_ABSENT ((lg_check_status)-1)
#define HEAP_FULL_DEFAULT 0.9
#define GC_TIME_DEFAULT 0.25
#define THROUGHPUT_FLOOR_DEFAULT 0.5
/* GC pauses must take this much more of the time at the end than at the
 * start for a throughput drop to be the heap's doing. */
#define COLLAPSE_GC_RISE 0.10

static bool managed(const lg_result *r) {
  const char *n = r->runtime.name;
  return n && strcmp(n, "native") != 0;
}

static double share(double part, double whole) {
  return whole > 0 && isfinite(part) ? part / whole : NAN;
}

static double gate(double v, double dflt) { return isfinite(v) ? v : dflt; }

/* The runtime's own out-of-memory wording in the service's output (a JVM
 * that catches OutOfMemoryError and keeps serving errors, a Go or Node
 * process that died of it). */
static void check_runtime_oom(const lg_result *r, pending *p) {
  const lg_runtime_result *rt = &r->runtime;
  if (!managed(r)) {
    p->st = CHECK_ABSENT;
    return;
  }
  if (rt->oom_lines > 0)
    setp(p, LG_CHECK_FAIL,
         "the %s ran out of memory: %lld line%s of the service's output say "
         "so; first: %.400s",
         rt->name, (long long)rt->oom_lines, rt->oom_lines == 1 ? "" : "s",
         rt->oom_line ? rt->oom_line : "?");
  else
    setp(p, LG_CHECK_PASS, "no out-of-memory error in the service's output");
}

/* In the last fifth of the time the runtime was collecting (windows[2]:
 * a JVM that stopped serving, and so collecting, is judged on its end) the
 * live heap after the last full collection is at heap_full of its ceiling
 * or more while GC pauses take gc_time of the time or more. Needs a
 * ceiling the runtime reports (JVM -Xmx, V8's heap limit); a window
 * without a full collection is not exhausted: the heap had room. */
static void check_heap_exhaustion(const lg_result *r, pending *p) {
  const lg_runtime_result *rt = &r->runtime;
  const lg_runtime_window *w = &rt->windows[2];
  double full_at = gate(r->heap_full, HEAP_FULL_DEFAULT),
         gc_at = gate(r->gc_time_max, GC_TIME_DEFAULT), len, gc, full;
  char live[32], max[32];
  if (!managed(r)) {
    p->st = CHECK_ABSENT;
    return;
  }
  if (!isfinite(rt->heap_max_bytes)) {
    setp(p, LG_CHECK_SKIPPED, "no heap ceiling reported (%s): growth decides",
         strcmp(rt->name, "go") == 0 ? "Go has none without GOMEMLIMIT"
         : strcmp(rt->name, "python") == 0
             ? "CPython has none"
             : "the runtime did not say");
    return;
  }
  len = w->to_s - w->from_s;
  if (rt->n_windows != 3 || !(len > 0)) {
    setp(p, LG_CHECK_SKIPPED,
         "the steady load was too short to look at its last fifth");
    return;
  }
  gc = share(w->pause_s, len);
  full = share(w->heap_live_bytes, rt->heap_max_bytes);
  lg_format_bytes(max, sizeof max, rt->heap_max_bytes);
  lg_format_bytes(live, sizeof live, w->heap_live_bytes);
  if (isfinite(full) && full >= full_at && gc >= gc_at) {
    setp(p, LG_CHECK_FAIL,
         "heap exhausted: %s of its %s ceiling live after the last full "
         "collection (%.0f%%, limit %.0f%%) and %.0f%% of %.0f s in GC "
         "pauses up to %.0f s (limit %.0f%%, %lld full collections)",
         live, max, 100 * full, 100 * full_at, 100 * gc, len, w->to_s,
         100 * gc_at, (long long)w->full_collections);
  } else if (isfinite(full)) {
    setp(p, LG_CHECK_PASS,
         "%.0f%% of the %s heap ceiling live after the last full collection, "
         "%.1f%% of the last %.0f s in GC pauses",
         100 * full, max, 100 * gc, len);
  } else {
    setp(p, LG_CHECK_PASS,
         "no full collection in the last %.0f s (%.1f%% of it in GC pauses): "
         "the %s heap had room",
         len, 100 * (isfinite(gc) ? gc : 0), max);
  }
}

/* A goroutine leak is a leak (issue 12): the goroutine count of a Go
 * service whose net/http/pprof leakgate reads, judged per request like
 * memory (runtime.goroutines, run/rtgc.c). Absent without that series. */
static void check_goroutines(const lg_result *r, pending *p) {
  const lg_runtime_result *rt = &r->runtime;
  char lo[32], hi[32];
  if (rt->goroutines_points <= 0) {
    p->st = CHECK_ABSENT;
    return;
  }
  lg__fmt_num(lo, sizeof lo, rt->goroutines_lo);
  lg__fmt_num(hi, sizeof hi, rt->goroutines_hi);
  switch (rt->goroutines_leak) {
  case LG_LEAK_UNKNOWN:
    setp(p, LG_CHECK_SKIPPED,
         "%lld looks of the goroutine count, too few to judge (%lld then "
         "%lld)",
         (long long)rt->goroutines_points, (long long)rt->goroutines_first,
         (long long)rt->goroutines_last);
    break;
  case LG_LEAK_LEAK:
    setp(p, LG_CHECK_FAIL,
         "goroutines leak: %.3g per request (CI %s to %s), %lld at the first "
         "look and %lld at the last",
         rt->goroutines_slope, lo, hi, (long long)rt->goroutines_first,
         (long long)rt->goroutines_last);
    break;
  case LG_LEAK_NO_LEAK:
    setp(p, LG_CHECK_PASS,
         "goroutines steady: %.3g per request (CI %s to %s), %lld then %lld",
         rt->goroutines_slope, lo, hi, (long long)rt->goroutines_first,
         (long long)rt->goroutines_last);
    break;
  default:
    setp(p, LG_CHECK_INCONCLUSIVE,
         "cannot tell whether goroutines grow: %.3g per request (CI %s to "
         "%s) over %lld looks",
         rt->goroutines_slope, lo, hi, (long long)rt->goroutines_points);
  }
}

/* The last fifth's throughput below throughput_floor of the first fifth's
 * while GC pauses take a larger share of the time (COLLAPSE_GC_RISE more:
 * the clean, cache and churn fixtures moved by at most 4 points)
 * or requests fail that did not before: a slowdown the service's own heap
 * causes, not a busy machine's (that moves neither). */
static void check_throughput_collapse(const lg_result *r, pending *p) {
  const lg_runtime_result *rt = &r->runtime;
  const lg_runtime_window *a = &rt->windows[0], *b = &rt->windows[1];
  double floor = gate(r->throughput_floor, THROUGHPUT_FLOOR_DEFAULT);
  double la = a->to_s - a->from_s, lb = b->to_s - b->from_s, ta, tb, ga, gb;
  bool gc_rise, err_rise;
  if (!managed(r)) {
    p->st = CHECK_ABSENT;
    return;
  }
  ta = share(a->requests, la);
  tb = share(b->requests, lb);
  if (rt->n_windows != 3 || !(la > 0 && lb > 0) || !isfinite(tb) ||
      !(ta > 0)) {
    setp(p, LG_CHECK_SKIPPED,
         "the steady load was too short (or served nothing) to compare its "
         "first and last fifth");
    return;
  }
  ga = share(a->pause_s, la);
  gb = share(b->pause_s, lb);
  gc_rise = isfinite(ga) && isfinite(gb) && gb >= ga + COLLAPSE_GC_RISE;
  err_rise = b->errors > 0 && !(a->errors >= b->errors);
  if (tb < floor * ta && (gc_rise || err_rise)) {
    setp(p, LG_CHECK_FAIL,
         "throughput collapsed: %.0f req/s in the last %.0f s, %.0f%% of the "
         "%.0f req/s of the first %.0f s of steady load (floor %.0f%%)",
         tb, lb, 100 * tb / ta, ta, la, 100 * floor);
    if (gc_rise)
      catp(p, "; GC pauses rose from %.1f%% to %.1f%% of the time", 100 * ga,
           100 * gb);
    if (err_rise)
      catp(p, "; %.0f requests failed at the end, %.0f at the start",
           b->errors, isfinite(a->errors) ? a->errors : 0);
    return;
  }
  setp(p, LG_CHECK_PASS,
       "the last %.0f s at %.0f%% of the first %.0f s's %.0f req/s; GC "
       "pauses %.1f%% then %.1f%% of the time",
       lb, 100 * tb / ta, la, ta, 100 * (isfinite(ga) ? ga : 0),
       100 * (isfinite(gb) ? gb : 0));
}

/* Remove derived checks (keeping others in order) and derived reasons. */
static void clear_derived(lg_result *r) {
  size_t i, k = 0, nd = r->n_derived_reasons;
  for (i = 0; i < r->n_checks; i++) {
    if (r->checks[i].derived) {
      free(r->checks[i].name);
      free(r->checks[i].message);
    } else {
      r->checks[k++] = r->checks[i];
    }
  }
  r->n_checks = k;
  if (nd > r->n_reasons)
    nd = r->n_reasons;
  for (i = 0; i < nd; i++)
    free(r->reasons[i]);
  if (nd)
    memmove(r->reasons, r->reasons + nd,
            (r->n_reasons - nd) * sizeof *r->reasons);
  r->n_reasons -= nd;
  r->n_derived_reasons = 0;
}

/* Insert derived reasons in front of the kept ones, dropping kept ones that
 * repeat a derived reason (a result read back from JSON has its derived
 * reasons among the kept ones). Returns 0 or LG_ENOMEM. */
static int set_reasons(lg_result *r, char **derived, size_t nd) {
  size_t total = nd + r->n_reasons, i, j, k = 0;
  char **all = malloc((total ? total : 1) * sizeof *all);
  if (!all)
    return LG_ENOMEM;
  for (i = 0; i < nd; i++)
    all[k++] = derived[i];
  for (i = 0; i < r->n_reasons; i++) {
    bool dup = false;
    for (j = 0; j < nd; j++)
      if (strcmp(r->reasons[i], derived[j]) == 0)
        dup = true;
    if (dup)
      free(r->reasons[i]);
    else
      all[k++] = r->reasons[i];
  }
  free(r->reasons);
  r->reasons = all;
  r->n_reasons = k;
  r->n_derived_reasons = nd;
  return 0;
}

/* Finish's checks first, in table order (a kept check of that name in
 * its place: one a module added under that name overrides), then the other
 * kept ones. Returns 0 or LG_ENOMEM. */
static int merge_checks(lg_result *r, const pending *p) {
  size_t nk = r->n_checks, k, i;
  lg_check *kept = r->checks;
  bool *used = calloc(nk ? nk : 1, sizeof *used);
  int rc = used ? 0 : LG_ENOMEM;
  r->checks = NULL;
  r->n_checks = 0;
  for (i = 0; i < LG_N_FINISH_CHECKS && rc == 0; i++) {
    for (k = 0; k < nk; k++)
      if (!used[k] && strcmp(kept[k].name, checks[i].name) == 0)
        break;
    if (k < nk) {
      used[k] = true;
      rc = lg_result_add_check(r, kept[k].name, kept[k].status, "%s",
                               kept[k].message);
    } else if (p[i].st != CHECK_ABSENT) {
      rc = lg_result_add_check(r, checks[i].name, p[i].st, "%s", p[i].msg);
      if (rc == 0)
        r->checks[r->n_checks - 1].derived = true;
    }
  }
  for (k = 0; k < nk && rc == 0; k++)
    if (!used[k])
      rc = lg_result_add_check(r, kept[k].name, kept[k].status, "%s",
                               kept[k].message);
  for (k = 0; k < nk; k++) {
    free(kept[k].name);
    free(kept[k].message);
  }
  free(kept);
  free(used);
  return rc;
}

/* Which statuses r's checks have. */
typedef struct tally {
  bool fail, error, inconclusive;
} tally;

static tally tally_checks(const lg_result *r) {
  tally t = {false, false, false};
  size_t i;
  for (i = 0; i < r->n_checks; i++) {
    t.fail |= r->checks[i].status == LG_CHECK_FAIL;
    t.error |= r->checks[i].status == LG_CHECK_ERROR;
    t.inconclusive |= r->checks[i].status == LG_CHECK_INCONCLUSIVE;
  }
  return t;
}

/* Reasons: interrupted, the error, then "<check>: <message>" for every
 * check that did not pass, then the note when inconclusive passes. Returns
 * 0 or LG_ENOMEM. */
static int derive_reasons(lg_result *r, tally t) {
  size_t cap = r->n_checks + 3, nd = 0, i;
  char **derived = calloc(cap, sizeof *derived);
  int rc = 0;
  if (!derived)
    return LG_ENOMEM;
  if (r->interrupted)
    derived[nd++] = strdup("interrupted");
  /* the runner records an interrupt as the error "interrupted" too */
  if (r->error && !(r->interrupted && strcmp(r->error, "interrupted") == 0))
    derived[nd++] = strdup(r->error);
  for (i = 0; i < r->n_checks; i++) {
    const lg_check *c = &r->checks[i];
    size_t need;
    if (c->status == LG_CHECK_PASS || c->status == LG_CHECK_SKIPPED)
      continue;
    need = strlen(c->name) + strlen(c->message) + 3;
    assert(nd < cap);
    derived[nd] = malloc(need);
    if (derived[nd])
      snprintf(derived[nd], need, "%s: %s", c->name, c->message);
    nd++;
  }
  if (!r->interrupted && !r->error && !t.fail && !t.error && t.inconclusive &&
      r->inconclusive_passes) {
    assert(nd < cap);
    derived[nd++] = strdup("inconclusive treated as a pass "
                           "(analysis.on_inconclusive: pass)");
  }
  for (i = 0; i < nd; i++)
    if (!derived[i])
      rc = LG_ENOMEM;
  if (rc == 0)
    rc = set_reasons(r, derived, nd);
  if (rc != 0)
    for (i = 0; i < nd; i++)
      free(derived[i]);
  free(derived);
  return rc;
}

/* The DESIGN exit-code table (this file's header); rc: whether deriving
 * failed (out of memory never passes). */
static void set_verdict(lg_result *r, tally t, int rc) {
  if (r->interrupted) {
    r->verdict = LG_VERDICT_ERROR;
    r->exit_code = LG_EXIT_ERROR;
  } else if (r->error) {
    r->verdict = LG_VERDICT_ERROR;
    r->exit_code =
        r->error_code ? lg_error_exit_code(r->error_code) : LG_EXIT_ERROR;
  } else if (rc != 0) {
    r->verdict = LG_VERDICT_ERROR;
    r->exit_code = LG_EXIT_ERROR;
  } else if (t.fail) {
    r->verdict = LG_VERDICT_FAIL;
    r->exit_code = LG_EXIT_FAIL;
  } else if (t.error) {
    r->verdict = LG_VERDICT_ERROR;
    r->exit_code = LG_EXIT_ERROR;
  } else if (t.inconclusive) {
    r->verdict = LG_VERDICT_INCONCLUSIVE;
    r->exit_code = r->inconclusive_passes ? LG_EXIT_PASS : LG_EXIT_INCONCLUSIVE;
  } else {
    r->verdict = LG_VERDICT_PASS;
    r->exit_code = LG_EXIT_PASS;
  }
}

void lg_result_finish(lg_result *r) {
  pending p[LG_N_FINISH_CHECKS];
  size_t i;
  tally t;
  int rc;

  clear_derived(r);
  memset(p, 0, sizeof p);
  for (i = 0; i < LG_N_FINISH_CHECKS; i++) {
    assert(checks[i].derive); /* every id has its row */
    checks[i].derive(r, &p[i]);
  }
  r->memcheck.failed = p[LG_CK_MEMCHECK].st == LG_CHECK_FAIL;
  r->heap_profile.failed = p[LG_CK_HEAP_PROFILE].st == LG_CHECK_FAIL;
  rc = merge_checks(r, p);
  t = tally_checks(r);
  if (rc == 0)
    rc = derive_reasons(r, t);
  set_verdict(r, t, rc);
}
