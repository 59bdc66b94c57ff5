/* reporters/markdown.c - GitHub-flavoured Markdown (--markdown, and
 * $GITHUB_STEP_SUMMARY): a verdict table over all scenarios, then per
 * scenario a sparkline of memory against requests, the checks table, the
 * reasons, the top Memcheck stacks and the growing sites.
 *
 * Escaping: table cells and list items go through lg_esc_md (HTML specials
 * as entities, Markdown punctuation backslash-escaped, no line breaks, so
 * a '|' or a newline in a function name cannot break the table); stacks
 * go in <pre> blocks with HTML escaping. Lists are capped (5 leaks, 16
 * frames each, 10 sites) so the summary stays readable; result.json has
 * everything.
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

static int overview(lg_buf *b, const lg_result *const *rs, size_t n) {
  char s1[64], s2[64], s3[64], s4[64], s5[64], s6[32], s7[32], s8[32];
  size_t i;
  int rc = lg_buf_appends(
      b, "| Scenario | Verdict | Slope | CI | Tolerance | MDS | Time to limit "
         "| Peak / limit | Requests |\n"
         "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (i = 0; i < n && rc == 0; i++) {
    const lg_result *r = rs[i];
    const lg_analysis *a = &r->analysis;
    bool an = r->has_analysis;
    rc = lg_buf_appends(b, "| ");
    rc = rc ? rc : lg_esc_md(b, lg_rep_name(r));
    rc = rc ? rc
            : lg_buf_appendf(
                  b, " | %s | %s | %s%s%s | %s | %s | %s | %s / %s | ",
                  verdict_badge(r->verdict),
                  an ? lg_fmt_slope(s1, sizeof s1, a, a->slope) : "n/a",
                  lg_fmt_num(s2, sizeof s2, an ? a->slope_lo : NAN),
                  an ? " to " : "",
                  an ? lg_fmt_num(s3, sizeof s3, a->slope_hi) : "",
                  an ? lg_fmt_slope(s4, sizeof s4, a, a->tolerance) : "n/a",
                  an ? lg_fmt_slope(s5, sizeof s5, a, a->mds) : "n/a",
                  an && isfinite(a->time_to_limit_s)
                      ? lg_format_duration(s6, sizeof s6, a->time_to_limit_s)
                      : "\u2014",
                  lg_format_bytes(s7, sizeof s7, r->container.peak_bytes),
                  lg_format_bytes(s8, sizeof s8,
                                  r->container.memory_limit_bytes));
    if (rc == 0 && r->load.requests >= 0)
      rc = lg_buf_appendf(b, "%lld |\n", (long long)r->load.requests);
    else if (rc == 0)
      rc = lg_buf_appends(b, "n/a |\n");
  }
  return rc;
}

static int sparkline(lg_buf *b, const lg_result *r) {
  char y0[32], y1[32], x1[32];
  const lg_chart *c = &r->chart;
  int rc;
  if (c->n < 2)
    return 0;
  rc = lg_buf_appends(b, "Memory against ");
  rc = rc ? rc
          : lg_buf_appends(
                b, strcmp(r->analysis.x, "seconds") == 0 ? "time" : "requests");
  rc = rc ? rc : lg_buf_appends(b, ": `");
  rc = rc ? rc : lg_sparkline(b, c->y, c->n, 48);
  rc = rc ? rc
          : lg_buf_appendf(b, "` %s \u2192 %s over %s %s",
                           lg_format_bytes(y0, sizeof y0, c->y[0]),
                           lg_format_bytes(y1, sizeof y1, c->y[c->n - 1]),
                           lg_fmt_num(x1, sizeof x1, c->x[c->n - 1]),
                           strcmp(r->analysis.x, "seconds") == 0 ? "seconds"
                                                                 : "requests");
  if (rc == 0 && isfinite(c->oom_x))
    rc = lg_buf_appendf(b, "; **OOM kill at %s**",
                        lg_fmt_num(x1, sizeof x1, c->oom_x));
  return rc ? rc : lg_buf_appends(b, "\n\n");
}

static int leaks(lg_buf *b, const lg_result *r) {
  const lg_memcheck_result *m = &r->memcheck;
  size_t *idx, i, k, top;
  char by[32], fr[1024];
  int rc;
  if (!m->ran || !m->n_leaks)
    return 0;
  idx = lg_top_leaks(m);
  if (!idx)
    return LG_ENOMEM;
  top = m->n_leaks < 5 ? m->n_leaks : 5;
  rc = lg_buf_appendf(b,
                      "<details%s><summary>Memcheck: %zu leak record%s "
                      "(top %zu by size)</summary>\n\n",
                      m->failed ? " open" : "", m->n_leaks,
                      m->n_leaks == 1 ? "" : "s", top);
  for (i = 0; i < top && rc == 0; i++) {
    const lg_leak_record *l = &m->leaks[idx[i]];
    rc = lg_buf_appendf(b, "**%s %s** in %lld block%s, fingerprint `",
                        lg_format_bytes(by, sizeof by, l->bytes),
                        l->kind ? l->kind : "?", (long long)l->blocks,
                        l->blocks == 1 ? "" : "s");
    rc = rc ? rc : lg_esc_md(b, l->fingerprint ? l->fingerprint : "none");
    rc = rc ? rc : lg_buf_appends(b, "`\n<pre>\n");
    for (k = 0; k < l->n_stack && k < 16 && rc == 0; k++) {
      rc = lg_buf_appends(b, "at ");
      rc = rc ? rc
              : lg_esc_xml(b, lg_fmt_frame(fr, sizeof fr, &l->stack[k]), false);
      rc = rc ? rc : lg_buf_appends(b, "\n");
    }
    if (rc == 0 && l->n_stack > 16)
      rc = lg_buf_appendf(b, "... %zu more frames\n", l->n_stack - 16);
    rc = rc ? rc : lg_buf_appends(b, "</pre>\n\n");
  }
  free(idx);
  return rc ? rc : lg_buf_appends(b, "</details>\n\n");
}

static int sites(lg_buf *b, const lg_result *r) {
  const lg_massif_result *m = &r->massif;
  size_t *idx, i;
  char b1[32], b2[32], b3[32];
  int rc;
  if (!m->ran || !m->n_sites)
    return 0;
  idx = lg_top_sites(m);
  if (!idx)
    return LG_ENOMEM;
  rc = lg_buf_appendf(b,
                      "<details><summary>Massif: %zu growing site%s "
                      "(advisory)</summary>\n\n"
                      "| Site | Location | First | Last | Growth |\n"
                      "|---|---|---:|---:|---:|\n",
                      m->n_sites, m->n_sites == 1 ? "" : "s");
  for (i = 0; i < m->n_sites && i < 10 && rc == 0; i++) {
    const lg_growing_site *s = &m->growing_sites[idx[i]];
    rc = lg_buf_appends(b, "| ");
    rc = rc ? rc : lg_esc_md(b, s->function ? s->function : "??");
    rc = rc ? rc : lg_buf_appends(b, " | ");
    rc = rc ? rc : lg_esc_md(b, s->file ? s->file : "");
    if (rc == 0 && s->line > 0)
      rc = lg_buf_appendf(b, ":%d", s->line);
    rc = rc ? rc
            : lg_buf_appendf(b, " | %s | %s | +%s |\n",
                             lg_format_bytes(b1, sizeof b1, s->first_bytes),
                             lg_format_bytes(b2, sizeof b2, s->last_bytes),
                             lg_format_bytes(b3, sizeof b3, s->growth_bytes));
  }
  free(idx);
  return rc ? rc : lg_buf_appends(b, "\n</details>\n\n");
}

static int section(lg_buf *b, const lg_result *r) {
  size_t i;
  int rc = lg_buf_appendf(b, "### %s: ", verdict_badge(r->verdict));
  rc = rc ? rc : lg_esc_md(b, lg_rep_name(r));
  rc = rc ? rc : lg_buf_appendf(b, " (exit %d)\n\n", r->exit_code);
  if (rc == 0 && r->error) {
    rc = lg_buf_appends(b, "> **Error:** ");
    rc = rc ? rc : lg_esc_md(b, r->error);
    rc = rc ? rc : lg_buf_appends(b, "\n\n");
  }
  rc = rc ? rc : sparkline(b, r);
  rc = rc ? rc
          : lg_buf_appends(b, "| Check | Status | Details |\n|---|---|---|\n");
  for (i = 0; i < r->n_checks && rc == 0; i++) {
    rc = lg_buf_appends(b, "| ");
    rc = rc ? rc : lg_esc_md(b, r->checks[i].name);
    rc = rc ? rc
            : lg_buf_appendf(b, " | %s | ", status_badge(r->checks[i].status));
    rc = rc ? rc : lg_esc_md(b, r->checks[i].message);
    rc = rc ? rc : lg_buf_appends(b, " |\n");
  }
  rc = rc ? rc : lg_buf_appends(b, "\n");
  if (rc == 0 && r->n_reasons) {
    rc = lg_buf_appends(b, "**Why:**\n\n");
    for (i = 0; i < r->n_reasons && rc == 0; i++) {
      rc = lg_buf_appends(b, "- ");
      rc = rc ? rc : lg_esc_md(b, r->reasons[i]);
      rc = rc ? rc : lg_buf_appends(b, "\n");
    }
    rc = rc ? rc : lg_buf_appends(b, "\n");
  }
  rc = rc ? rc : leaks(b, r);
  rc = rc ? rc : sites(b, r);
  if (rc == 0 && r->out_dir) {
    rc = lg_buf_appends(b, "Artifacts: `");
    rc = rc ? rc : lg_esc_md(b, r->out_dir);
    rc = rc ? rc : lg_buf_appends(b, "`\n\n");
  }
  return rc;
}

int lg_render_markdown(const lg_result *const *rs, size_t n,
                       const lg_report_opts *o, lg_buf *b) {
  size_t i, c[4] = {0};
  int rc;
  (void)o;
  for (i = 0; i < n; i++)
    c[rs[i]->verdict < 4 ? rs[i]->verdict : 3]++;
  if (n == 1) {
    rc = lg_buf_appendf(b, "## leakgate: %s \u2014 ",
                        verdict_badge(rs[0]->verdict));
    rc = rc ? rc : lg_esc_md(b, lg_rep_name(rs[0]));
    rc = rc ? rc : lg_buf_appends(b, "\n\n");
  } else {
    rc = lg_buf_appendf(b,
                        "## leakgate: %zu scenarios \u2014 %zu fail, %zu "
                        "error, %zu inconclusive, %zu pass\n\n",
                        n, c[LG_VERDICT_FAIL], c[LG_VERDICT_ERROR],
                        c[LG_VERDICT_INCONCLUSIVE], c[LG_VERDICT_PASS]);
  }
  rc = rc ? rc : overview(b, rs, n);
  rc = rc ? rc : lg_buf_appends(b, "\n");
  for (i = 0; i < n && rc == 0; i++)
    rc = section(b, rs[i]);
  return rc;
}
