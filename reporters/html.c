/* reporters/html.c - the HTML report (--html): one self-contained file.
 *
 * No script, no external stylesheet, font or image, no network: inline CSS
 * (light and dark) and inline SVG charts (html_chart.c). Per scenario: the
 * verdict, the key figures, the memory chart (samples, fitted slope with
 * its band, warm-up cut, limit line, OOM marker), the Massif heap curve,
 * the checks, the reasons, the Memcheck leak stacks (collapsible) and the
 * growing sites, the heap profile's growing sites with an icicle chart of
 * where the growth is allocated (html_flame.c), a managed runtime's own
 * report with its goroutine chart and the classes or stacks that grew, the
 * load phases. Every string
 * is HTML-escaped with the XML escaper (which also drops characters HTML cannot
 * carry).
 */
#include "html_chart.h"
#include "html_flame.h"
#include "report_util.h"
#include "result/fmt.h"

#include <leakgate/leakgate.h>
#include <leakgate/units.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    ":root{--fg:#1f2328;--bg:#fff;--mut:#656d76;--line:#d0d7de;--card:#f6f8fa;"
    "--pass:#1a7f37;--fail:#cf222e;--inc:#9a6700;--err:#8250df;--skip:#656d76;"
    "--data:#0969da;--fit:#cf222e;--band:rgba(207,34,46,.15)}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;"
    "--mut:#8d96a0;--line:#30363d;--card:#161b22;--data:#4493f8;"
    "--band:rgba(248,81,73,.2)}}\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "color:var(--fg);background:var(--bg);margin:0 auto;max-width:980px;"
    "padding:16px 24px}\n"
    "h1{font-size:22px;margin:8px 0}h2{font-size:19px;margin:28px 0 6px;"
    "border-top:1px solid var(--line);padding-top:18px}h3{font-size:15px;"
    "margin:18px 0 6px}\n"
    ".badge{display:inline-block;padding:1px 9px;border-radius:10px;"
    "color:#fff;font-size:13px;font-weight:600;vertical-align:middle}\n"
    ".pass{background:var(--pass)}.fail{background:var(--fail)}"
    ".inconclusive{background:var(--inc)}.error{background:var(--err)}"
    ".skipped{background:var(--skip)}\n"
    ".muted{color:var(--mut)}\n"
    ".figures{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(170px,1fr));gap:8px;margin:10px 0}\n"
    ".figures div{background:var(--card);border:1px solid var(--line);"
    "border-radius:6px;padding:6px 10px}.figures b{display:block;"
    "font-size:16px}.figures span{color:var(--mut);font-size:12px}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border:1px "
    "solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:var(--card)}td.num{text-align:right;white-space:nowrap}\n"
    "pre{background:var(--card);border:1px solid var(--line);padding:8px;"
    "overflow:auto;font-size:12px}\n"
    "details{margin:4px 0}summary{cursor:pointer}\n"
    "figure{margin:10px 0}figcaption{color:var(--mut);font-size:12px}\n"
    "svg.chart{width:100%;height:auto;background:var(--bg);border:1px solid "
    "var(--line);border-radius:6px}\n"
    "svg .grid line{stroke:var(--line);stroke-width:1}"
    "svg .frame{fill:none;stroke:var(--mut)}\n"
    "svg text{fill:var(--mut);font-size:11px;font-family:inherit}"
    "svg text.axis{font-size:12px}svg text.note{font-size:11px;"
    "paint-order:stroke;stroke:var(--bg);stroke-width:4px;"
    "stroke-linejoin:round}\n"
    "svg .samples{fill:none;stroke:var(--data);stroke-width:1.6}\n"
    "svg .fit{stroke:var(--fit);stroke-width:2;stroke-dasharray:6 3}"
    "svg .band{fill:var(--band);stroke:none}\n"
    "svg .warmup{stroke:var(--mut);stroke-dasharray:3 3}"
    "svg .warmup-area{fill:var(--card)}\n"
    "svg .limit{stroke:var(--err);stroke-width:1.5;stroke-dasharray:8 4}"
    "svg text.limit-label{fill:var(--err)}\n"
    "svg .oom line,svg .oom path{stroke:var(--fail);stroke-width:2;fill:none}"
    "svg text.oom-label{fill:var(--fail);font-weight:600}\n"
    "footer{margin:32px 0 8px;color:var(--mut);font-size:12px}\n"
    ".banner{border-radius:8px;padding:14px 18px;margin:12px 0 4px;"
    "color:#fff;font-size:18px;font-weight:600}.banner small{display:block;"
    "font-size:13px;font-weight:400;opacity:.92}\n"
    ".advisory{background:var(--inc)}\n";

static const char *status_class(lg_check_status s) {
  return lg_check_status_name(s);
}

static int esc(lg_buf *b, const char *s) {
  return lg__esc_xml(b, s, false);
}

static void figure(lg_buf *b, const char *label, const char *value) {
  lg__buf_appends(b, "<div><span>");
  esc(b, label);
  lg__buf_appends(b, "</span><b>");
  esc(b, value);
  lg__buf_appends(b, "</b></div>\n");
}

static void analysis_figures(lg_buf *b, const lg_result *r) {
  const lg_analysis *a = &r->analysis;
  char v[256], n1[64], n2[64], ci[32];
  figure(b, "slope", lg__fmt_slope(v, sizeof v, a, a->slope));
  snprintf(v, sizeof v, "%s to %s", lg__fmt_num(n1, sizeof n1, a->slope_lo),
           lg__fmt_num(n2, sizeof n2, a->slope_hi));
  figure(b,
         lg__fmt_ci_label(ci, sizeof ci, lg_analysis_level(a, r->confidence)),
         v);
  figure(b, "tolerance", lg__fmt_slope(v, sizeof v, a, a->tolerance));
  figure(b, "minimal detectable slope", lg__fmt_slope(v, sizeof v, a, a->mds));
  figure(b, "projected time to limit",
         r->container.oom_kills > 0 || r->service.oom_killed
             ? "reached (OOM kill)"
         : isfinite(a->time_to_limit_s)
             ? lg_format_duration(v, sizeof v, a->time_to_limit_s)
             : "none");
  snprintf(v, sizeof v, "%zu (%s)", a->samples_used,
           a->model[0] ? a->model : "n/a");
  figure(b, "samples used (model)", v);
}

static void figures(lg_buf *b, const lg_result *r) {
  char v[256], n1[64], n2[64], n3[64];
  lg__buf_appends(b, "<div class=\"figures\">\n");
  if (r->has_analysis)
    analysis_figures(b, r);
  snprintf(v, sizeof v, "%s / %s",
           lg_format_bytes(n1, sizeof n1, r->container.peak_bytes),
           lg_format_bytes(n2, sizeof n2, r->container.memory_limit_bytes));
  figure(b, "peak / limit", v);
  if (r->load.requests >= 0) {
    snprintf(v, sizeof v, "%lld (%lld errors)", (long long)r->load.requests,
             (long long)(r->load.errors > 0 ? r->load.errors : 0));
    figure(b, "requests", v);
    snprintf(v, sizeof v, "%s req/s, p99 %s ms",
             lg__fmt_num(n1, sizeof n1, r->load.throughput_rps),
             lg__fmt_num(n3, sizeof n3, r->load.p99_ms));
    figure(b, "throughput", v);
  }
  if (r->container.oom_kills > 0 || r->service.oom_killed) {
    if (r->container.oom_kills > 0)
      snprintf(v, sizeof v, "%lld", (long long)r->container.oom_kills);
    else
      snprintf(v, sizeof v, "yes");
    figure(b, "OOM kills", v);
  }
  if (r->service.crashed)
    figure(b, "crash",
           r->service.signal > 0
               ? lg__fmt_signal(v, sizeof v, r->service.signal)
               : "exited early");
  if (r->memcheck.ran)
    figure(b, "definitely lost",
           lg_format_bytes(v, sizeof v, r->memcheck.definitely_lost_bytes));
  if (r->baseline.verdict != LG_BASELINE_NONE)
    figure(b, "baseline", lg_baseline_verdict_name(r->baseline.verdict));
  lg__buf_appends(b, "</div>\n");
}

static void heap_chart(lg_buf *b, const lg_result *r, size_t idx,
                       const char *ci) {
  char id[32], title[512];
  lg_chart_spec s;
  memset(&s, 0, sizeof s);
  snprintf(id, sizeof id, "heap-%zu", idx);
  snprintf(title, sizeof title, "Massif heap of %s", lg__rep_name(r));
  s.id = id;
  s.title = title;
  s.x_label = strcmp(r->massif.heap_analysis.x, "seconds") == 0
                  ? "seconds"
                  : "requests (Massif run)";
  s.y_label = "heap bytes";
  s.x = r->massif.heap_x;
  s.y = r->massif.heap_y;
  s.n = r->massif.n_heap;
  s.ci_label = ci;
  s.limit = NAN;
  s.oom_x = NAN;
  lg__buf_appends(b, "<h3>Massif heap</h3>\n<figure>\n");
  lg__html_chart(b, &s);
  lg__buf_appends(b, "<figcaption>Heap bytes (useful + "
                     "allocator overhead) at each Massif "
                     "snapshot.</figcaption>\n</figure>\n");
}

static void charts(lg_buf *b, const lg_result *r, size_t idx) {
  char id[32], title[512], ci[32], ylab[96];
  lg_chart_spec s;
  bool secs = strcmp(r->analysis.x, "seconds") == 0;
  memset(&s, 0, sizeof s);
  snprintf(id, sizeof id, "chart-%zu", idx);
  snprintf(title, sizeof title, "Memory of %s against %s", lg__rep_name(r),
           secs ? "time" : "requests");
  snprintf(ylab, sizeof ylab, "%s",
           r->analysis.metric[0] ? r->analysis.metric : "memory (bytes)");
  s.id = id;
  s.title = title;
  s.x_label = secs ? "seconds" : "completed requests";
  s.y_label = ylab;
  s.x = r->chart.x;
  s.y = r->chart.y;
  s.n = r->chart.n;
  s.fit = r->has_analysis ? &r->analysis : NULL;
  s.ci_label = lg__fmt_ci_label(ci, sizeof ci,
                                lg_analysis_level(&r->analysis, r->confidence));
  s.limit = r->container.memory_limit_bytes;
  s.oom_x = r->chart.oom_x;
  lg__buf_appends(b, "<figure>\n");
  lg__html_chart(b, &s);
  lg__buf_appends(b, "<figcaption>Samples (blue), fitted slope over the "
                     "analysed window (dashed red) with its confidence band, "
                     "the warm-up cut, the memory limit and the OOM kill "
                     "when there was one.</figcaption>\n</figure>\n");
  if (r->massif.ran && r->massif.n_heap >= 2)
    heap_chart(b, r, idx, ci);
}

static void html_status(lg_buf *b, lg_check_status st, bool advisory) {
  /* an advisory finding (Massif's growing heap) is not shown as a green
   * pass, though it does not fail the run */
  lg__buf_appendf(b,
                  "</td><td><span class=\"badge %s\">%s"
                  "</span></td><td>",
                  advisory ? "advisory" : status_class(st),
                  advisory ? "advisory" : lg_check_status_name(st));
}

/* The checks table and the reasons list (report_util.c walks them), in
 * lg_rep_markup's order: esc, status, table open, row open, row close,
 * table close, list open, item open, item close, list close. */
static const lg_rep_markup html_checks = {
    esc,
    html_status,
    "<h3>Checks</h3>\n<table class=\"checks\">"
    "<tr><th>check</th><th>status</th><th>details"
    "</th></tr>\n",
    "<tr><td>",
    "</td></tr>\n",
    "</table>\n",
    "<h3>Reasons</h3>\n<ul class=\"reasons\">\n",
    "<li>",
    "</li>\n",
    "</ul>\n"};

/* A stack as "at frame" lines, closing the <details> it is in. */
static void stack_pre(lg_buf *b, const lg_frame *stack, size_t n) {
  char fr[1024];
  size_t k;
  lg__buf_appends(b, "<pre>");
  for (k = 0; k < n; k++) {
    lg__buf_appends(b, "at ");
    esc(b, lg__fmt_frame(fr, sizeof fr, &stack[k]));
    lg__buf_appends(b, "\n");
  }
  lg__buf_appends(b, "</pre>\n</details>\n");
}

static void leak_item(lg_buf *b, const lg_leak_record *l, bool open) {
  const lg_frame *site = lg_leak_site(l);
  char by[32], fr[1024];
  lg__buf_appendf(b,
                  "<details class=\"leak\"%s><summary><b>%s %s</b> "
                  "in %lld blocks",
                  open ? " open" : "", lg_format_bytes(by, sizeof by, l->bytes),
                  l->kind ? l->kind : "?", (long long)l->blocks);
  if (site) {
    lg__buf_appends(b, " at ");
    esc(b, lg__fmt_frame(fr, sizeof fr, site));
  }
  lg__buf_appends(b, " <span class=\"muted\">");
  esc(b, l->fingerprint ? l->fingerprint : "");
  lg__buf_appends(b, "</span></summary>\n");
  stack_pre(b, l->stack, l->n_stack);
}

/* Memcheck's errors that are not leaks, each with its stack (most
 * frequent first), so "8 errors" says which and where. */
static void error_list(lg_buf *b, const lg_memcheck_result *m) {
  size_t i;
  if (m->errors <= 0)
    return;
  lg__buf_appendf(b, "<h3>Memcheck errors (%lld)</h3>\n", (long long)m->errors);
  if (!m->n_error_records) {
    lg__buf_appends(b, "<p class=\"muted\">No stacks recorded for them in "
                       "this result.</p>\n");
    return;
  }
  for (i = 0; i < m->n_error_records; i++) {
    const lg_memcheck_error *e = &m->error_records[i];
    lg__buf_appendf(b, "<details class=\"mcerror\"%s><summary><b>",
                    i < 3 ? " open" : "");
    esc(b, e->kind ? e->kind : "?");
    lg__buf_appendf(b, "</b> &times;%lld",
                    (long long)(e->count > 0 ? e->count : 1));
    if (e->what) {
      lg__buf_appends(b, ": ");
      esc(b, e->what);
    }
    lg__buf_appends(b, "</summary>\n");
    stack_pre(b, e->stack, e->n_stack);
  }
}

static void leak_list(lg_buf *b, const lg_result *r) {
  const lg_memcheck_result *m = &r->memcheck;
  size_t *idx, i;
  if (!m->ran)
    return;
  error_list(b, m);
  if (!m->n_leaks) {
    lg__buf_appends(b, "<h3>Memcheck</h3>\n<p>No leak records.</p>\n");
    return;
  }
  if (!(idx = lg__rep_top_leaks(b, m)))
    return;
  lg__buf_appendf(b, "<h3>Memcheck leaks (%zu)</h3>\n", m->n_leaks);
  for (i = 0; i < m->n_leaks && i < 50; i++)
    leak_item(b, &m->leaks[idx[i]], i < 3);
  if (m->n_leaks > 50)
    lg__buf_appendf(b, "<p class=\"muted\">%zu more in result.json.</p>\n",
                    m->n_leaks - 50);
  free(idx);
}

/* Site rows: esc, row open, cell, number cell, growth cell, row close. */
static const lg_rep_site_markup html_sites = {esc,
                                              "<tr><td>",
                                              "</td><td>",
                                              "</td><td class=\"num\">",
                                              "</td><td class=\"num\">+",
                                              "</td></tr>\n"};

static void site_table(lg_buf *b, const lg_result *r) {
  const lg_massif_result *m = &r->massif;
  size_t *idx;
  if (!(idx = lg__rep_top_sites(b, m)))
    return;
  lg__buf_appends(b, "<h3>Growing allocation sites (Massif, advisory)</h3>\n"
                     "<table class=\"sites\"><tr><th>function</th><th>"
                     "location</th><th>first</th><th>last</th><th>growth"
                     "</th></tr>\n");
  lg__rep_site_rows(b, m, idx, 50, &html_sites);
  free(idx);
  lg__buf_appends(b, "</table>\n");
}

/* The heap profile: its figures, the icicle chart and the sites table. */
static void heap_profile(lg_buf *b, const lg_result *r, size_t idx) {
  const lg_heap_profile_result *h = &r->heap_profile;
  char id[32], per[32], ci[32];
  const char *unit = lg__fmt_heap_unit(h->x);
  if (!h->ran)
    return;
  lg__buf_appendf(b, "<h3>Heap profile (sampled every %s at full load)</h3>\n",
                  lg_format_bytes(per, sizeof per, h->period_bytes));
  if (!h->n_sites) {
    lg__buf_appendf(b, "<p>No growing allocation site (%lld analysed).</p>\n",
                    (long long)(h->sites_analyzed > 0 ? h->sites_analyzed : 0));
    return;
  }
  snprintf(id, sizeof id, "flame-%zu", idx);
  lg__buf_appends(b, "<figure>\n");
  lg__html_flame(b, r, id);
  lg__buf_appendf(b,
                  "<figcaption>Where the growth is allocated: each growing "
                  "site's stack hangs from the top, a box's width is the "
                  "growth (%s) below it; outlined boxes are the "
                  "sites. Hover a box for its location and "
                  "rate.</figcaption>\n</figure>\n",
                  unit);
  lg__buf_appendf(b,
                  "<table class=\"heap-sites\"><tr><th>function</th><th>"
                  "location</th><th>%s</th><th>%s</th><th>samples</th><th>"
                  "fingerprint</th></tr>\n",
                  unit, lg__fmt_ci_label(ci, sizeof ci, r->confidence));
  lg__rep_heap_site_rows(b, h, 50, &html_sites, "", "");
  lg__buf_appends(b, "</table>\n");
}

/* The goroutine count at each look against requests (runtime.goroutines). */
static void goroutine_chart(lg_buf *b, const lg_result *r, size_t idx) {
  const lg_chart *g = &r->runtime.goroutine_chart;
  char id[32], title[512];
  lg_chart_spec s;
  if (g->n < 2)
    return;
  memset(&s, 0, sizeof s);
  snprintf(id, sizeof id, "goroutines-%zu", idx);
  snprintf(title, sizeof title, "Goroutines of %s", lg__rep_name(r));
  s.id = id;
  s.title = title;
  s.x_label = "completed requests";
  s.y_label = "goroutines";
  s.x = g->x;
  s.y = g->y;
  s.n = g->n;
  s.limit = NAN;
  s.oom_x = NAN;
  s.counts = true;
  lg__buf_appends(b, "<figure>\n");
  lg__html_chart(b, &s);
  lg__buf_appendf(b,
                  "<figcaption>The Go runtime's goroutine count (%lld looks at "
                  "net/http/pprof): one that grows per request is a "
                  "leak.</figcaption>\n</figure>\n",
                  (long long)r->runtime.goroutines_points);
}

/* A managed runtime: what its own report said, the goroutine chart, and its
 * growing classes or stacks (runtime.growing) with each stack's frames. */
static void runtime(lg_buf *b, const lg_result *r, size_t idx) {
  const lg_runtime_result *rt = &r->runtime;
  char text[2048];
  size_t i, k;
  if (!lg__rep_runtime_text(text, sizeof text, r))
    return;
  lg__buf_appends(b, "<h3>Runtime</h3>\n<p>");
  esc(b, text);
  lg__buf_appends(b, "</p>\n");
  goroutine_chart(b, r, idx);
  if (!rt->n_sites)
    return;
  lg__buf_appends(b, "<h3>What grew, by the runtime's own account</h3>\n"
                     "<p class=\"muted\">");
  esc(b, rt->attribution ? rt->attribution : "");
  lg__buf_appends(b, "</p>\n<table class=\"sites\"><tr><th>class or stack"
                     "</th><th>location</th><th>first</th><th>last</th><th>"
                     "growth</th><th>per request</th></tr>\n");
  lg__rep_runtime_site_rows(b, rt, 50, &html_sites);
  lg__buf_appends(b, "</table>\n");
  for (i = 0; i < rt->n_sites && i < 10; i++) {
    const lg_runtime_site *x = &rt->sites[i];
    if (!x->n_stack)
      continue;
    lg__buf_appends(b, "<details><summary>");
    esc(b, x->name ? x->name : "??");
    lg__buf_appends(b, "</summary>\n<pre>\n");
    for (k = 0; k < x->n_stack && k < 16; k++) {
      lg__buf_appends(b, "at ");
      esc(b, x->stack[k]);
      lg__buf_appends(b, "\n");
    }
    lg__buf_appends(b, "</pre></details>\n");
  }
}

static void phases(lg_buf *b, const lg_result *r) {
  const lg_load_result *l = &r->load;
  char d[32], rate[32];
  size_t i;
  if (!l->n_phases)
    return;
  lg__buf_appends(b, "<h3>Load phases</h3>\n<table class=\"phases\"><tr>"
                     "<th>phase</th><th>requests</th><th>errors</th><th>"
                     "duration</th><th>target rate</th></tr>\n");
  for (i = 0; i < l->n_phases; i++) {
    const lg_phase_stats *p = &l->phases[i];
    lg__buf_appends(b, "<tr><td>");
    esc(b, p->name ? p->name : "");
    lg__buf_appendf(b,
                    "</td><td class=\"num\">%lld</td><td class=\"num\">"
                    "%lld</td><td class=\"num\">%s</td><td class=\"num\">"
                    "%s</td></tr>\n",
                    (long long)(p->requests > 0 ? p->requests : 0),
                    (long long)(p->errors > 0 ? p->errors : 0),
                    lg_format_duration(d, sizeof d, p->duration_s),
                    isfinite(p->target_rate)
                        ? lg__fmt_num(rate, sizeof rate, p->target_rate)
                        : "closed model");
  }
  lg__buf_appends(b, "</table>\n");
}

static void section(lg_buf *b, const lg_result *r, size_t idx) {
  lg__buf_appendf(b,
                  "<section class=\"scenario\" id=\"scenario-%zu\">"
                  "\n<h2><span class=\"badge %s\">%s</span> ",
                  idx, lg_verdict_name(r->verdict),
                  lg_verdict_name(r->verdict));
  esc(b, lg__rep_name(r));
  lg__buf_appendf(b,
                  " <small class=\"muted\">exit %d</small>"
                  "</h2>\n",
                  r->exit_code);
  if (r->scenario_file) {
    lg__buf_appends(b, "<p class=\"muted\">");
    esc(b, r->scenario_file);
    lg__buf_appends(b, "</p>\n");
  }
  if (r->error) {
    lg__buf_appends(b, "<p><b>Error:</b> ");
    esc(b, r->error);
    lg__buf_appends(b, "</p>\n");
  }
  figures(b, r);
  charts(b, r, idx);
  lg__rep_checks(b, r, &html_checks);
  leak_list(b, r);
  site_table(b, r);
  heap_profile(b, r, idx);
  runtime(b, r, idx);
  phases(b, r);
  lg__buf_appends(b, "</section>\n");
}

/* The overall verdict as a coloured banner at the top of the page. */
static void banner(lg_buf *b, const lg_result *const *rs, size_t n,
                   const size_t *c, int code) {
  lg_verdict v = code == 0   ? LG_VERDICT_PASS
                 : code == 1 ? LG_VERDICT_FAIL
                 : code == 3 ? LG_VERDICT_INCONCLUSIVE
                             : LG_VERDICT_ERROR;
  static const char *const word[] = {"PASS", "FAIL", "INCONCLUSIVE", "ERROR"};
  lg__buf_appendf(b, "<div class=\"banner %s\" role=\"status\">%s: ",
                  lg_verdict_name(v), word[v < 4 ? v : 3]);
  if (n == 1)
    esc(b, lg__rep_name(rs[0]));
  else
    lg__buf_appendf(b, "%zu scenarios", n);
  lg__buf_appendf(b,
                  "<small>exit %d &middot; %zu fail, %zu error, %zu "
                  "inconclusive, %zu pass</small></div>\n",
                  code, c[LG_VERDICT_FAIL], c[LG_VERDICT_ERROR],
                  c[LG_VERDICT_INCONCLUSIVE], c[LG_VERDICT_PASS]);
}

/* What the report is of: version, date, backend, host and commit, each
 * where the results say (the first result's; several runs of one job
 * share them). */
static void footer(lg_buf *b, const lg_result *r) {
  lg__buf_appends(b, "<footer>Generated by leakgate ");
  esc(b, r->tool_version ? r->tool_version : lg_version());
  if (r->started_at) {
    lg__buf_appends(b, " &middot; run started ");
    esc(b, r->started_at);
  }
  if (r->container.backend) {
    lg__buf_appends(b, " &middot; backend ");
    esc(b, r->container.backend);
  }
  if (r->host) {
    lg__buf_appends(b, " &middot; host ");
    esc(b, r->host);
  }
  if (r->commit) {
    lg__buf_appends(b, " &middot; commit <code>");
    esc(b, r->commit);
    lg__buf_appends(b, "</code>");
  }
  lg__buf_appends(b, " &middot; Self-contained: no scripts, no "
                     "network.</footer>\n");
}

int lg__render_html(const lg_result *const *rs, size_t n,
                    const lg_report_opts *o, lg_buf *b) {
  size_t i, c[4] = {0};
  int code = lg_report_combined_exit(rs, n);
  (void)o;
  for (i = 0; i < n; i++)
    c[rs[i]->verdict < 4 ? rs[i]->verdict : 3]++;
  lg__buf_appends(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                     "content=\"width=device-width, initial-scale=1\">\n"
                     "<title>leakgate: ");
  esc(b, n == 1 ? lg__rep_name(rs[0]) : "report");
  lg__buf_appendf(b,
                  " (exit %d)</title>\n<style>\n%s</style>\n"
                  "</head>\n<body>\n<header><h1>leakgate "
                  "report</h1>\n",
                  code, css);
  banner(b, rs, n, c, code);
  lg__buf_appends(b, "</header>\n");
  for (i = 0; i < n; i++)
    section(b, rs[i], i);
  if (n > 0)
    footer(b, rs[0]);
  lg__buf_appends(b, "</body>\n</html>\n");
  return lg__buf_error(b);
}
