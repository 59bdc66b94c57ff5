/* reporters/summary.c - the one-screen terminal summary (LG_REPORT_SUMMARY);
 * the live progress line is in progress.c.
 *
 * Summary: per result a verdict line and at most a dozen figure lines
 * (growth, time to limit, OOM, crash, top leak, top site, baseline, load,
 * the first reasons, the out dir), each cut to LINE_MAX visible bytes so
 * the whole fits one screen; several results end with a tally line. ANSI
 * colour only when opts->color (the CLI turns it off for NO_COLOR and
 * non-terminals). Text is printed as it is: it goes to the user's terminal,
 * so control characters from a service's symbols are dropped.
 */
#include "report_util.h"
#include "result/fmt.h"

#include <leakgate/units.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 160

static const char *status_colour(lg_check_status s) {
  switch (s) {
  case LG_CHECK_PASS:
    return "\033[32m";
  case LG_CHECK_FAIL:
    return "\033[1;31m";
  case LG_CHECK_INCONCLUSIVE:
    return "\033[1;33m";
  case LG_CHECK_ERROR:
    return "\033[1;35m";
  default:
    return "\033[2m";
  }
}

static const char *status_word(lg_check_status s) {
  switch (s) {
  case LG_CHECK_PASS:
    return "ok";
  case LG_CHECK_FAIL:
    return "FAIL";
  case LG_CHECK_INCONCLUSIVE:
    return "??";
  case LG_CHECK_ERROR:
    return "ERROR";
  default:
    return "-";
  }
}

static lg_check_status verdict_status(lg_verdict v) {
  switch (v) {
  case LG_VERDICT_PASS:
    return LG_CHECK_PASS;
  case LG_VERDICT_FAIL:
    return LG_CHECK_FAIL;
  case LG_VERDICT_INCONCLUSIVE:
    return LG_CHECK_INCONCLUSIVE;
  default:
    return LG_CHECK_ERROR;
  }
}

/* Append s without control characters, cut at max bytes on a UTF-8
 * boundary (with "..." when cut). */
static int cut(lg_buf *b, const char *s, size_t max) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = 0;
  int rc = 0;
  for (; *p && rc == 0; p++) {
    if (*p < 0x20 || *p == 0x7F) {
      rc = lg_buf_appends(b, " ");
      n++;
      continue;
    }
    if (n >= max && (*p & 0xC0) != 0x80)
      return lg_buf_appends(b, "...");
    rc = lg_buf_append(b, p, 1);
    n++;
  }
  return rc;
}

/* "  label          STATUS  text\n" */
static int line(lg_buf *b, const lg_report_opts *o, const char *label,
                lg_check_status st, bool show_status, const char *text) {
  int rc = lg_buf_appendf(b, "  %-14s ", label);
  if (rc == 0 && show_status) {
    if (o->color)
      rc = lg_buf_appendf(b, "%s%-5s\033[0m ", status_colour(st),
                          status_word(st));
    else
      rc = lg_buf_appendf(b, "%-5s ", status_word(st));
  }
  rc = rc ? rc : cut(b, text, LINE_MAX_BYTES);
  return rc ? rc : lg_buf_appends(b, "\n");
}

static int check_line(lg_buf *b, const lg_report_opts *o, const lg_result *r,
                      const char *check, const char *label, const char *text) {
  const lg_check *c = lg_result_check(r, check);
  return line(b, o, label, c ? c->status : LG_CHECK_SKIPPED, true,
              text ? text
              : c  ? c->message
                   : "");
}

static int one(lg_buf *b, const lg_result *r, const lg_report_opts *o) {
  const lg_analysis *a = &r->analysis;
  char t[1024], n1[64], n2[64], n3[64], n4[64], by[32], by2[32], fr[512];
  lg_check_status vs = verdict_status(r->verdict);
  size_t i, shown;
  int rc;

  if (o->color)
    rc = lg_buf_appendf(b, "\033[1mleakgate\033[0m %s: %s%s\033[0m (exit %d)\n",
                        lg_rep_name(r), status_colour(vs),
                        lg_verdict_name(r->verdict), r->exit_code);
  else
    rc = lg_buf_appendf(b, "leakgate %s: %s (exit %d)\n", lg_rep_name(r),
                        lg_verdict_name(r->verdict), r->exit_code);
  if (rc)
    return rc;
  if (r->error)
    rc = line(b, o, "error", LG_CHECK_ERROR, true, r->error);
  if (rc == 0 && r->interrupted)
    rc = line(b, o, "interrupted", LG_CHECK_ERROR, true,
              "stopped by a signal; samples so far are kept");

  if (rc == 0 && r->has_analysis && isfinite(a->slope)) {
    snprintf(t, sizeof t, "%s (%s %s to %s), tolerance %s, MDS %s [%s]",
             lg_fmt_slope(n1, sizeof n1, a, a->slope),
             lg_fmt_ci_label(n4, sizeof n4, r->confidence),
             lg_fmt_num(n2, sizeof n2, a->slope_lo),
             lg_fmt_num(n3, sizeof n3, a->slope_hi),
             lg_fmt_slope(by, sizeof by, a, a->tolerance),
             lg_fmt_slope(by2, sizeof by2, a, a->mds), lg_fmt_leak(a->leak));
    rc = check_line(b, o, r, "growth", "growth", t);
  } else if (rc == 0) {
    rc = check_line(b, o, r, "growth", "growth", NULL);
  }
  if (rc == 0 && r->has_analysis) {
    if (isfinite(a->time_to_limit_s))
      snprintf(t, sizeof t, "%s to the %s limit at %s %s/s%s%s",
               lg_format_duration(n1, sizeof n1, a->time_to_limit_s),
               lg_format_bytes(by, sizeof by, r->container.memory_limit_bytes),
               lg_fmt_num(n2, sizeof n2, a->x_rate),
               strcmp(a->x, "seconds") == 0 ? "s" : "req",
               isfinite(r->max_time_to_limit_s) ? ", gate " : "",
               isfinite(r->max_time_to_limit_s)
                   ? lg_format_duration(n3, sizeof n3, r->max_time_to_limit_s)
                   : "");
    else
      snprintf(t, sizeof t, "%s",
               isfinite(r->container.memory_limit_bytes)
                   ? "no projected OOM"
                   : "n/a (no memory limit)");
    rc = check_line(b, o, r, "time-to-limit", "time to limit", t);
  }
  /* no container and no OOM data (analyze, a start failure): no line */
  if (rc == 0 && (r->container.backend || r->container.oom_kills >= 0 ||
                  r->service.oom_killed)) {
    if (r->container.oom_kills > 0 || r->service.oom_killed)
      snprintf(t, sizeof t, "OOM-killed at the %s limit%s%s%s",
               lg_format_bytes(by, sizeof by, r->container.memory_limit_bytes),
               isfinite(r->chart.oom_x) ? " after " : "",
               isfinite(r->chart.oom_x)
                   ? lg_fmt_num(n1, sizeof n1, r->chart.oom_x)
                   : "",
               isfinite(r->chart.oom_x)
                   ? (strcmp(a->x, "seconds") == 0 ? " s" : " requests")
                   : "");
    else if (r->container.oom_kills < 0)
      snprintf(t, sizeof t, "detection off (backend %s)",
               r->container.backend ? r->container.backend : "none");
    else
      snprintf(
          t, sizeof t, "none; peak %s of %s",
          lg_format_bytes(by, sizeof by, r->container.peak_bytes),
          lg_format_bytes(by2, sizeof by2, r->container.memory_limit_bytes));
    rc = check_line(b, o, r, "oom", "oom", t);
  }
  if (rc == 0 && r->service.crashed)
    rc = check_line(b, o, r, "crash", "crash", NULL);
  if (rc == 0 && r->memcheck.ran) {
    size_t *idx = lg_top_leaks(&r->memcheck);
    const lg_frame *f = idx ? lg_leak_site(&r->memcheck.leaks[idx[0]]) : NULL;
    snprintf(
        t, sizeof t, "%s definitely, %s indirectly lost%s%s",
        lg_format_bytes(by, sizeof by, r->memcheck.definitely_lost_bytes),
        lg_format_bytes(by2, sizeof by2, r->memcheck.indirectly_lost_bytes),
        f ? "; top: " : "", f ? lg_fmt_frame(fr, sizeof fr, f) : "");
    free(idx);
    rc = check_line(b, o, r, "memcheck", "memcheck", t);
  } else if (rc == 0 && r->memcheck.enabled) {
    rc = check_line(b, o, r, "memcheck", "memcheck", NULL);
  }
  if (rc == 0 && r->massif.ran) {
    size_t *idx = lg_top_sites(&r->massif);
    if (idx) {
      const lg_growing_site *s = &r->massif.growing_sites[idx[0]];
      lg_frame f = {s->function, s->file, NULL, s->line};
      snprintf(t, sizeof t, "peak heap %s; top site: %s +%s",
               lg_format_bytes(by, sizeof by, r->massif.peak_heap_bytes),
               lg_fmt_frame(fr, sizeof fr, &f),
               lg_format_bytes(by2, sizeof by2, s->growth_bytes));
    } else {
      snprintf(t, sizeof t, "peak heap %s; no growing site",
               lg_format_bytes(by, sizeof by, r->massif.peak_heap_bytes));
    }
    free(idx);
    rc = check_line(b, o, r, "massif", "massif", t);
  } else if (rc == 0 && r->massif.enabled) {
    rc = check_line(b, o, r, "massif", "massif", NULL);
  }
  if (rc == 0 && r->baseline.verdict != LG_BASELINE_NONE) {
    snprintf(t, sizeof t, "%s: delta %s (%s to %s)%s",
             lg_baseline_verdict_name(r->baseline.verdict),
             lg_fmt_slope(n1, sizeof n1, a, r->baseline.slope_delta),
             lg_fmt_num(n2, sizeof n2, r->baseline.delta_lo),
             lg_fmt_num(n3, sizeof n3, r->baseline.delta_hi),
             r->baseline.n_new_leaks ? "; new leaks" : "");
    rc = check_line(b, o, r, "baseline", "baseline", t);
  }
  if (rc == 0 && r->load.driver) {
    if (r->load.requests >= 0)
      snprintf(t, sizeof t,
               "%s: %lld requests, %lld errors, %s req/s, p99 %s ms",
               r->load.driver, (long long)r->load.requests,
               (long long)(r->load.errors > 0 ? r->load.errors : 0),
               lg_fmt_num(n1, sizeof n1, r->load.throughput_rps),
               lg_fmt_num(n2, sizeof n2, r->load.p99_ms));
    else
      snprintf(t, sizeof t, "%s: ran %s", r->load.driver,
               lg_format_duration(n1, sizeof n1, r->load.duration_s));
    rc = check_line(b, o, r, "load", "load", t);
  }
  /* Other modules' checks (not one of the lines above) when not passing. */
  for (i = 0; rc == 0 && i < r->n_checks; i++) {
    static const char *const known[] = {"growth",   "time-to-limit", "oom",
                                        "crash",    "memcheck",      "massif",
                                        "baseline", "load"};
    size_t k;
    bool is_known = false;
    for (k = 0; k < sizeof known / sizeof known[0]; k++)
      is_known |= strcmp(r->checks[i].name, known[k]) == 0;
    if (!is_known && r->checks[i].status != LG_CHECK_PASS &&
        r->checks[i].status != LG_CHECK_SKIPPED)
      rc = line(b, o, r->checks[i].name, r->checks[i].status, true,
                r->checks[i].message);
  }
  for (i = 0, shown = 0; rc == 0 && i < r->n_reasons && shown < 3; i++) {
    if (r->error && strcmp(r->reasons[i], r->error) == 0)
      continue;
    if (strcmp(r->reasons[i], "interrupted") == 0)
      continue;
    rc = line(b, o, shown ? "" : "why", LG_CHECK_SKIPPED, false, r->reasons[i]);
    shown++;
  }
  if (rc == 0 && r->n_reasons > shown + 2)
    rc = line(b, o, "", LG_CHECK_SKIPPED, false,
              "(more reasons in result.json)");
  if (rc == 0 && r->out_dir)
    rc = line(b, o, "out", LG_CHECK_SKIPPED, false, r->out_dir);
  return rc;
}

int lg_render_summary(const lg_result *const *rs, size_t n,
                      const lg_report_opts *o, lg_buf *b) {
  size_t i, c[5] = {0};
  int rc = 0, code;
  for (i = 0; i < n && rc == 0; i++) {
    if (i)
      rc = lg_buf_appends(b, "\n");
    rc = rc ? rc : one(b, rs[i], o);
    c[rs[i]->verdict < 4 ? rs[i]->verdict : 3]++;
  }
  if (rc || n < 2)
    return rc;
  code = lg_report_combined_exit(rs, n);
  return lg_buf_appendf(b,
                        "\nleakgate: %zu scenarios: %zu fail, %zu error, %zu "
                        "inconclusive, %zu pass (exit %d)\n",
                        n, c[LG_VERDICT_FAIL], c[LG_VERDICT_ERROR],
                        c[LG_VERDICT_INCONCLUSIVE], c[LG_VERDICT_PASS], code);
}
