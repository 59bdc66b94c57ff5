/* reporters/markdown.c - GitHub-flavoured Markdown (--markdown, and
 * $GITHUB_STEP_SUMMARY): a verdict table over all scenarios, then per
 * scenario a sparkline of memory against requests, the checks table, the
 * reasons, the top Memcheck stacks and the growing sites, and for a managed
 * runtime what its own report said, its goroutine count as a sparkline and
 * the classes or stacks that grew (the same site rows as Massif's).
 *
 * Escaping: table cells and list items go through lg__esc_md (HTML specials
 * as entities, Markdown punctuation backslash-escaped, no line breaks, so
 * a '|' or a newline in a function name cannot break the table); paths
 * and fingerprints go in code spans fenced by lg__md_code (a backtick in a
 * path cannot end them); stacks go in <pre> blocks with HTML escaping. Lists
 * are capped (5 leaks, 16 frames each, 10 sites) so the summary stays readable;
 * result.json has everything.
 */
#include "report_util.h"
#include "result/fmt.h"

#include <leakgate/units.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *verdict_badge(lg_verdict v) {
  switch (v) {
  case LG_VERDICT_PASS:
    return "\u2705 pass";
  case LG_VERDICT_FAIL:
    return "\u274c fail";
  case LG_VERDICT_INCONCLUSIVE:
    return "\u26a0\ufe0f inconclusive";
  default:
    return "\u26d4 error";
  }
}

static const char *status_badge(lg_check_status s) {
  switch (s) {
  case LG_CHECK_PASS:
    return "\u2705 pass";
  case LG_CHECK_FAIL:
    return "\u274c fail";
  case LG_CHECK_INCONCLUSIVE:
    return "\u26a0\ufe0f inconclusive";
  case LG_CHECK_ERROR:
    return "\u26d4 error";
  default:
    return "\u2796 skipped";
  }
}

static void overview(lg_buf *b, const lg_result *const *rs, size_t n) {
  char s1[64], s2[64], s3[64], s4[64], s5[64], s6[32], s7[32], s8[32];
  size_t i;
  lg__buf_appends(
      b, "| Scenario | Verdict | Slope | CI | Tolerance | MDS | Time to limit "
         "| Peak / limit | Requests |\n"
         "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (i = 0; i < n; i++) {
    const lg_result *r = rs[i];
    const lg_analysis *a = &r->analysis;
    bool an = r->has_analysis;
    lg__buf_appends(b, "| ");
    lg__esc_md(b, lg__rep_name(r));
    lg__buf_appendf(
        b, " | %s | %s | %s%s%s | %s | %s | %s | %s / %s | ",
        verdict_badge(r->verdict),
        an ? lg__fmt_slope(s1, sizeof s1, a, a->slope) : "n/a",
        lg__fmt_num(s2, sizeof s2, an ? a->slope_lo : NAN), an ? " to " : "",
        an ? lg__fmt_num(s3, sizeof s3, a->slope_hi) : "",
        an ? lg__fmt_slope(s4, sizeof s4, a, a->tolerance) : "n/a",
        an ? lg__fmt_slope(s5, sizeof s5, a, a->mds) : "n/a",
        an && isfinite(a->time_to_limit_s)
            ? lg_format_duration(s6, sizeof s6, a->time_to_limit_s)
            : "\u2014",
        lg_format_bytes(s7, sizeof s7, r->container.peak_bytes),
        lg_format_bytes(s8, sizeof s8, r->container.memory_limit_bytes));
    if (r->load.requests >= 0)
      lg__buf_appendf(b, "%lld |\n", (long long)r->load.requests);
    else
      lg__buf_appends(b, "n/a |\n");
  }
}

static void sparkline(lg_buf *b, const lg_result *r) {
  char y0[32], y1[32], x1[32];
  const lg_chart *c = &r->chart;
  const char *x = strcmp(r->analysis.x, "seconds") == 0 ? "seconds" : NULL;
  if (c->n < 2)
    return;
  lg__buf_appendf(b, "Memory against %s: `", x ? "time" : "requests");
  lg__sparkline(b, c->y, c->n, 48);
  lg__buf_appendf(
      b, "` %s \u2192 %s over %s %s", lg_format_bytes(y0, sizeof y0, c->y[0]),
      lg_format_bytes(y1, sizeof y1, c->y[c->n - 1]),
      lg__fmt_num(x1, sizeof x1, c->x[c->n - 1]), x ? x : "requests");
  if (isfinite(c->oom_x))
    lg__buf_appendf(b, "; **OOM kill at %s**",
                    lg__fmt_num(x1, sizeof x1, c->oom_x));
  lg__buf_appends(b, "\n\n");
}

static void leaks(lg_buf *b, const lg_result *r) {
  const lg_memcheck_result *m = &r->memcheck;
  size_t *idx, i, k, top;
  char by[32], fr[1024];
  if (!(idx = lg__rep_top_leaks(b, m)))
    return;
  top = m->n_leaks < 5 ? m->n_leaks : 5;
  lg__buf_appendf(b,
                  "<details%s><summary>Memcheck: %zu leak record%s "
                  "(top %zu by size)</summary>\n\n",
                  m->failed ? " open" : "", m->n_leaks,
                  m->n_leaks == 1 ? "" : "s", top);
  for (i = 0; i < top; i++) {
    const lg_leak_record *l = &m->leaks[idx[i]];
    lg__buf_appendf(b, "**%s %s** in %lld block%s, fingerprint ",
                    lg_format_bytes(by, sizeof by, l->bytes),
                    l->kind ? l->kind : "?", (long long)l->blocks,
                    l->blocks == 1 ? "" : "s");
    lg__md_code(b, l->fingerprint ? l->fingerprint : "none");
    lg__buf_appends(b, "\n<pre>\n");
    for (k = 0; k < l->n_stack && k < 16; k++) {
      lg__buf_appends(b, "at ");
      lg__esc_xml(b, lg__fmt_frame(fr, sizeof fr, &l->stack[k]), false);
      lg__buf_appends(b, "\n");
    }
    if (l->n_stack > 16)
      lg__buf_appendf(b, "... %zu more frames\n", l->n_stack - 16);
    lg__buf_appends(b, "</pre>\n\n");
  }
  free(idx);
  lg__buf_appends(b, "</details>\n\n");
}

/* Site rows: esc, row open, cell, number cell, growth cell, row close. */
static const lg_rep_site_markup md_sites = {lg__esc_md, "| ",   " | ",
                                            " | ",      " | +", " |\n"};

static void sites(lg_buf *b, const lg_result *r) {
  const lg_massif_result *m = &r->massif;
  size_t *idx;
  if (!(idx = lg__rep_top_sites(b, m)))
    return;
  lg__buf_appendf(b,
                  "<details><summary>Massif: %zu growing site%s "
                  "(advisory)</summary>\n\n"
                  "| Site | Location | First | Last | Growth |\n"
                  "|---|---|---:|---:|---:|\n",
                  m->n_sites, m->n_sites == 1 ? "" : "s");
  lg__rep_site_rows(b, m, idx, 10, &md_sites);
  free(idx);
  lg__buf_appends(b, "\n</details>\n\n");
}

/* The heap profile's growing sites: one row each, fastest first. */
static void heap_sites(lg_buf *b, const lg_result *r) {
  const lg_heap_profile_result *h = &r->heap_profile;
  char per[32], ci[32];
  if (!h->ran || !h->n_sites)
    return;
  lg__buf_appendf(
      b,
      "<details%s><summary>Heap profile: %zu growing allocation "
      "site%s (sampled every %s at full load)</summary>\n\n"
      "| Site | Location | %s | %s | Samples | Fingerprint |\n"
      "|---|---|---:|---|---:|---|\n",
      h->failed ? " open" : "", h->n_sites, h->n_sites == 1 ? "" : "s",
      lg_format_bytes(per, sizeof per, h->period_bytes),
      lg__fmt_heap_unit(h->x), lg__fmt_ci_label(ci, sizeof ci, r->confidence));
  lg__rep_heap_site_rows(b, h, 10, &md_sites, "`", "none");
  lg__buf_appends(b, "\n</details>\n\n");
}

/* A managed runtime: what its own report said, its goroutine count when
 * followed, and its growing classes or stacks (runtime.growing). */
static void runtime(lg_buf *b, const lg_result *r) {
  const lg_runtime_result *rt = &r->runtime;
  const lg_chart *g = &rt->goroutine_chart;
  char text[2048], x1[32];
  if (!lg__rep_runtime_text(text, sizeof text, r))
    return;
  lg__buf_appends(b, "**Runtime:** ");
  lg__esc_md(b, text);
  lg__buf_appends(b, "\n\n");
  if (g->n >= 2) {
    lg__buf_appends(b, "Goroutines against requests: `");
    lg__sparkline(b, g->y, g->n, 48);
    lg__buf_appendf(b, "` %.0f \u2192 %.0f over %s requests (%lld looks)\n\n",
                    g->y[0], g->y[g->n - 1],
                    lg__fmt_num(x1, sizeof x1, g->x[g->n - 1]),
                    (long long)rt->goroutines_points);
  }
  if (!rt->n_sites)
    return;
  lg__buf_appendf(b, "<details><summary>%s: %zu growing %s (", rt->name,
                  rt->n_sites,
                  rt->sites[0].kind && strcmp(rt->sites[0].kind, "class") == 0
                      ? "classes"
                      : "allocation stacks");
  lg__esc_md(b, rt->attribution ? rt->attribution : "");
  lg__buf_appends(b, ")</summary>\n\n"
                     "| Class or stack | Location | First | Last | Growth | "
                     "Per request |\n|---|---|---:|---:|---:|---:|\n");
  lg__rep_runtime_site_rows(b, rt, 10, &md_sites);
  lg__buf_appends(b, "\n</details>\n\n");
}

static void md_status(lg_buf *b, lg_check_status st, bool advisory) {
  lg__buf_appendf(b, " | %s | ",
                  advisory ? "⚠️ advisory" : status_badge(st));
}

/* The checks table and the "Why" list (report_util.c walks them), in
 * lg_rep_markup's order: esc, status, table open, row open, row close,
 * table close, list open, item open, item close, list close. */
static const lg_rep_markup md_checks = {
    lg__esc_md,
    md_status,
    "| Check | Status | Details |\n|---|---|---|\n",
    "| ",
    " |\n",
    "\n",
    "**Why:**\n\n",
    "- ",
    "\n",
    "\n"};

static void section(lg_buf *b, const lg_result *r) {
  lg__buf_appendf(b, "### %s: ", verdict_badge(r->verdict));
  lg__esc_md(b, lg__rep_name(r));
  lg__buf_appendf(b, " (exit %d)\n\n", r->exit_code);
  if (r->error) {
    lg__buf_appends(b, "> **Error:** ");
    lg__esc_md(b, r->error);
    lg__buf_appends(b, "\n\n");
  }
  sparkline(b, r);
  lg__rep_checks(b, r, &md_checks);
  leaks(b, r);
  sites(b, r);
  heap_sites(b, r);
  runtime(b, r);
  if (r->out_dir) {
    lg__buf_appends(b, "Artifacts: ");
    lg__md_code(b, r->out_dir);
    lg__buf_appends(b, "\n\n");
  }
}

int lg__render_markdown(const lg_result *const *rs, size_t n,
                        const lg_report_opts *o, lg_buf *b) {
  size_t i, c[4] = {0};
  (void)o;
  for (i = 0; i < n; i++)
    c[rs[i]->verdict < 4 ? rs[i]->verdict : 3]++;
  if (n == 1) {
    lg__buf_appendf(b, "## leakgate: %s \u2014 ",
                    verdict_badge(rs[0]->verdict));
    lg__esc_md(b, lg__rep_name(rs[0]));
    lg__buf_appends(b, "\n\n");
  } else {
    lg__buf_appendf(b,
                    "## leakgate: %zu scenarios \u2014 %zu fail, %zu "
                    "error, %zu inconclusive, %zu pass\n\n",
                    n, c[LG_VERDICT_FAIL], c[LG_VERDICT_ERROR],
                    c[LG_VERDICT_INCONCLUSIVE], c[LG_VERDICT_PASS]);
  }
  overview(b, rs, n);
  lg__buf_appends(b, "\n");
  for (i = 0; i < n; i++)
    section(b, rs[i]);
  return lg__buf_error(b);
}
