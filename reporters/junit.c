/* reporters/junit.c - JUnit XML (--junit): what every CI test view reads.
 *
 * <testsuites> holds one <testsuite> per scenario ("leakgate.<name>") with
 * one <testcase> per check (growth, oom, crash, memcheck, massif, baseline,
 * time-to-limit, load, and any check another module added), plus a "run"
 * testcase with an <error> when the run itself failed (so an infrastructure
 * error never shows as a green suite). Status mapping:
 *   fail -> <failure>, error -> <error>, skipped -> <skipped>,
 *   inconclusive -> <failure type="inconclusive"> (exit 3 fails the job), or
 *   <skipped> when analysis.on_inconclusive: pass.
 * message attributes carry the check's sentence with its numbers; the
 * element text adds the details (top leak stacks, sites, reasons).
 * <properties> hold the key figures; <system-out> the terminal summary.
 * Every string is XML-escaped and stripped of characters XML forbids.
 * memcheck/massif testcases carry file= and line= of the top allocation
 * site inside the repository (read by annotating JUnit actions).
 * Validated against tests/data/junit/junit.xsd in the tests.
 */
#include "report_util.h"
#include "result/fmt.h"

#include <leakgate/units.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void prop_num(lg_buf *b, const char *name, double v) {
  if (isfinite(v))
    lg__buf_appendf(b, "      <property name=\"%s\" value=\"%.15g\"/>\n", name,
                    v);
}

static void prop_str(lg_buf *b, const char *name, const char *v) {
  if (!v)
    return;
  lg__buf_appendf(b, "      <property name=\"%s\" value=\"", name);
  lg__esc_xml(b, v, true);
  lg__buf_appends(b, "\"/>\n");
}

static double count_or_nan(int64_t v) {
  return v >= 0 ? (double)v : NAN;
}

static void analysis_properties(lg_buf *b, const lg_analysis *a) {
  prop_str(b, "analysis.metric", a->metric[0] ? a->metric : NULL);
  prop_str(b, "analysis.x", a->x[0] ? a->x : NULL);
  prop_str(b, "analysis.leak", a->leak ? lg__fmt_leak(a->leak) : NULL);
  prop_num(b, "analysis.slope_bytes_per_request", a->slope);
  prop_num(b, "analysis.slope_ci_lo", a->slope_lo);
  prop_num(b, "analysis.slope_ci_hi", a->slope_hi);
  prop_num(b, "analysis.tolerance_bytes_per_request", a->tolerance);
  prop_num(b, "analysis.mds_bytes_per_request", a->mds);
  prop_num(b, "analysis.time_to_limit_seconds", a->time_to_limit_s);
  prop_num(b, "analysis.samples_used", (double)a->samples_used);
}

static void properties(lg_buf *b, const lg_result *r) {
  lg__buf_appends(b, "    <properties>\n");
  prop_str(b, "leakgate.verdict", lg_verdict_name(r->verdict));
  prop_num(b, "leakgate.exit_code", r->exit_code);
  prop_str(b, "leakgate.version", r->tool_version);
  prop_str(b, "scenario.file", r->scenario_file);
  if (r->has_analysis)
    analysis_properties(b, &r->analysis);
  prop_num(b, "load.requests", count_or_nan(r->load.requests));
  prop_num(b, "load.errors", count_or_nan(r->load.errors));
  prop_num(b, "load.throughput_rps", r->load.throughput_rps);
  prop_num(b, "load.latency_p99_ms", r->load.p99_ms);
  prop_num(b, "container.memory_limit_bytes", r->container.memory_limit_bytes);
  prop_num(b, "container.peak_bytes", r->container.peak_bytes);
  prop_num(b, "container.oom_kills", count_or_nan(r->container.oom_kills));
  if (r->memcheck.ran) {
    prop_num(b, "memcheck.definitely_lost_bytes",
             r->memcheck.definitely_lost_bytes);
    prop_num(b, "memcheck.indirectly_lost_bytes",
             r->memcheck.indirectly_lost_bytes);
    prop_num(b, "memcheck.leaks", (double)r->memcheck.n_leaks);
  }
  if (r->massif.ran)
    prop_num(b, "massif.peak_heap_bytes", r->massif.peak_heap_bytes);
  if (r->baseline.verdict != LG_BASELINE_NONE) {
    prop_str(b, "baseline.verdict",
             lg_baseline_verdict_name(r->baseline.verdict));
    prop_num(b, "baseline.slope_delta_bytes_per_request",
             r->baseline.slope_delta);
  }
  lg__buf_appends(b, "    </properties>\n");
}

/* Details under a failing check: the top leak stacks, the top sites. */
static void details(lg_buf *b, const lg_result *r, const char *check) {
  char fr[1024], by[32];
  size_t i, k;
  if (lg_check_id_of(check) == LG_CK_MEMCHECK && r->memcheck.n_leaks) {
    size_t *idx = lg__rep_top_leaks(b, &r->memcheck);
    if (!idx)
      return;
    for (i = 0; i < r->memcheck.n_leaks && i < 5; i++) {
      const lg_leak_record *l = &r->memcheck.leaks[idx[i]];
      lg__buf_appendf(
          b, "\n%s lost: %s in %lld blocks (fingerprint %s)\n",
          l->kind ? l->kind : "?", lg_format_bytes(by, sizeof by, l->bytes),
          (long long)l->blocks, l->fingerprint ? l->fingerprint : "none");
      for (k = 0; k < l->n_stack && k < 16; k++) {
        lg__buf_appends(b, "    at ");
        lg__buf_appends(b, lg__fmt_frame(fr, sizeof fr, &l->stack[k]));
        lg__buf_appends(b, "\n");
      }
    }
    free(idx);
  } else if (lg_check_id_of(check) == LG_CK_BASELINE) {
    for (i = 0; i < r->baseline.n_new_leaks; i++)
      lg__buf_appendf(b, "\nnew leak fingerprint: %s",
                      r->baseline.new_leaks[i]);
  }
}

/* file= and line= of the check's top site inside the repository. */
static void site_attrs(lg_buf *b, const lg_result *r, const char *check,
                       const lg_report_opts *o) {
  char rel[4096];
  const char *file = NULL, *p;
  int line = 0;
  if (lg_check_id_of(check) == LG_CK_MEMCHECK && r->memcheck.n_leaks) {
    size_t *idx = lg__top_leaks(&r->memcheck);
    const lg_frame *f = idx ? lg_leak_site(&r->memcheck.leaks[idx[0]]) : NULL;
    if (f) {
      file = f->file;
      line = f->line;
    }
    free(idx);
  } else if (lg_check_id_of(check) == LG_CK_MASSIF && r->massif.n_sites) {
    size_t *idx = lg__top_sites(&r->massif);
    if (idx) {
      file = r->massif.growing_sites[idx[0]].file;
      line = r->massif.growing_sites[idx[0]].line;
    }
    free(idx);
  } else if (lg_check_id_of(check) == LG_CK_HEAP_PROFILE &&
             r->heap_profile.n_sites) {
    file = r->heap_profile.growing_sites[0].file;
    line = r->heap_profile.growing_sites[0].line;
  }
  if (!file || !(p = lg__rel_path(file, o->repo_root, rel, sizeof rel)))
    return;
  lg__buf_appends(b, " file=\"");
  lg__esc_xml(b, p, true);
  if (line > 0)
    lg__buf_appendf(b, "\" line=\"%d\"", line);
  else
    lg__buf_appends(b, "\"");
}

static void testcase(lg_buf *b, const lg_result *r, const char *classname,
                     const char *name, lg_check_status st, const char *msg,
                     const lg_report_opts *o) {
  const char *elem = NULL, *type = NULL;
  lg_buf d;
  switch (st) {
  case LG_CHECK_FAIL:
    elem = "failure";
    type = "leakgate.fail";
    break;
  case LG_CHECK_ERROR:
    elem = "error";
    type = "leakgate.error";
    break;
  case LG_CHECK_INCONCLUSIVE:
    elem = r->inconclusive_passes ? "skipped" : "failure";
    type = "leakgate.inconclusive";
    break;
  case LG_CHECK_SKIPPED:
    elem = "skipped";
    break;
  default:
    break;
  }
  lg__buf_appends(b, "    <testcase name=\"");
  lg__esc_xml(b, name, true);
  lg__buf_appends(b, "\" classname=\"");
  lg__esc_xml(b, classname, true);
  lg__buf_appends(b, "\" time=\"0\"");
  if (st == LG_CHECK_FAIL)
    site_attrs(b, r, name, o);
  if (!elem) {
    lg__buf_appends(b, "/>\n");
    return;
  }
  lg__buf_appendf(b, ">\n      <%s message=\"", elem);
  lg__esc_xml(b, msg, true);
  if (strcmp(elem, "skipped") == 0) {
    lg__buf_appends(b, "\"/>\n    </testcase>\n");
    return;
  }
  lg__buf_appendf(b, "\" type=\"%s\">", type);
  /* the text is escaped as a whole: gather it first */
  lg__buf_init(&d, LG_REPORT_CAP);
  lg__buf_appendf(&d, "%s: %s\n", name, msg);
  details(&d, r, name);
  if (lg__buf_error(&d))
    lg__buf_fail(b, lg__buf_error(&d));
  else
    lg__esc_xml(b, d.data, false);
  lg__buf_cleanup(&d);
  lg__buf_appendf(b, "</%s>\n    </testcase>\n", elem);
}

static void count(const lg_result *r, size_t *tests, size_t *fail, size_t *err,
                  size_t *skip) {
  size_t i;
  *tests = r->n_checks;
  *fail = *err = *skip = 0;
  for (i = 0; i < r->n_checks; i++) {
    switch (r->checks[i].status) {
    case LG_CHECK_FAIL:
      (*fail)++;
      break;
    case LG_CHECK_ERROR:
      (*err)++;
      break;
    case LG_CHECK_INCONCLUSIVE:
      if (r->inconclusive_passes)
        (*skip)++;
      else
        (*fail)++;
      break;
    case LG_CHECK_SKIPPED:
      (*skip)++;
      break;
    default:
      break;
    }
  }
  if (r->error || r->interrupted) {
    (*tests)++;
    (*err)++;
  }
}

static double suite_time(const lg_result *r) {
  return isfinite(r->load.duration_s) && r->load.duration_s > 0
             ? r->load.duration_s
             : 0;
}

/* One <testsuite>: properties, a testcase per check (and "run" for an
 * error), the terminal summary as system-out. */
static void suite(lg_buf *b, const lg_result *const *rs, size_t i,
                  const lg_report_opts *o) {
  const lg_result *r = rs[i];
  lg_report_opts plain = *o;
  size_t t, f, e, s, k, slen = 0;
  char *summary = NULL;
  lg_buf cls;
  int rc;

  count(r, &t, &f, &e, &s);
  lg__buf_init(&cls, 4096 + strlen(lg__rep_name(r)));
  if (lg__buf_appendf(&cls, "leakgate.%s", lg__rep_name(r)))
    lg__buf_fail(b, lg__buf_error(&cls));
  lg__buf_appends(b, "  <testsuite name=\"");
  lg__esc_xml(b, cls.data, true);
  lg__buf_appendf(b,
                  "\" tests=\"%zu\" failures=\"%zu\" "
                  "errors=\"%zu\" skipped=\"%zu\" "
                  "time=\"%.3f\"",
                  t, f, e, s, suite_time(r));
  /* timestamp: xs:dateTime without a zone designator in the Ant schema
   * readers follow, so the trailing Z of started_at is dropped. */
  if (r->started_at && strlen(r->started_at) == 20)
    lg__buf_appendf(b, " timestamp=\"%.19s\"", r->started_at);
  lg__buf_appends(b, ">\n");
  properties(b, r);
  if (r->error || r->interrupted)
    testcase(b, r, cls.data, "run", LG_CHECK_ERROR,
             r->interrupted ? "interrupted" : r->error, o);
  for (k = 0; k < r->n_checks; k++)
    testcase(b, r, cls.data, r->checks[k].name, r->checks[k].status,
             r->checks[k].message, o);
  plain.color = false;
  if ((rc = lg_report_render(LG_REPORT_SUMMARY, &rs[i], 1, &plain, &summary,
                             &slen, NULL)))
    lg__buf_fail(b, rc);
  lg__buf_appends(b, "    <system-out>");
  lg__esc_xml(b, summary, false);
  lg__buf_appends(b, "</system-out>\n  </testsuite>\n");
  free(summary);
  lg__buf_cleanup(&cls);
}

int lg__render_junit(const lg_result *const *rs, size_t n,
                     const lg_report_opts *o, lg_buf *b) {
  size_t T = 0, F = 0, E = 0, S = 0, i;
  double time = 0;

  for (i = 0; i < n; i++) {
    size_t t, f, e, s;
    count(rs[i], &t, &f, &e, &s);
    T += t, F += f, E += e, S += s;
    time += suite_time(rs[i]);
  }
  lg__buf_appendf(b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"leakgate\" tests=\"%zu\" "
                  "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
                  "time=\"%.3f\">\n",
                  T, F, E, S, time);
  for (i = 0; i < n && !lg__buf_error(b); i++)
    suite(b, rs, i, o);
  lg__buf_appends(b, "</testsuites>\n");
  return lg__buf_error(b);
}
