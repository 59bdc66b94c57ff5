/* reporters/summary.c - the one-screen terminal summary (LG_REPORT_SUMMARY);
 * the live progress line is in progress.c.
 *
 * Summary: per result a verdict line and at most a dozen figure lines
 * (growth, time to limit, OOM, crash, top leak, top site, baseline, load,
 * the first reasons, the out dir). A figure line is one row, cut between
 * words at LINE_MAX_BYTES; a reason wraps between words onto at most
 * WHY_MAX_ROWS indented rows (it holds the sentence to act on, such as how
 * many requests would decide), so no number is ever cut in two. Several
 * results end with a tally line. ANSI
 * colour only when opts->color (the CLI turns it off for NO_COLOR and
 * non-terminals). Text is printed as it is: it goes to the user's terminal,
 * so control characters from a service's symbols are dropped.
 */
#include "report_util.h"

#include "core/termsafe.h"
#include "result/fmt.h"

#include <leakgate/units.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 160
#define WHY_ROW_BYTES 100
#define WHY_MAX_ROWS 5

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

/* Append s[0..len) with nothing a terminal would obey (core/termsafe.h):
 * a line break or other control character becomes a space, a C1 control
 * or malformed UTF-8 a '?'. */
static void clean(lg_buf *b, const char *s, size_t len) {
  const char *end = s + len;
  while (s < end && !lg__buf_error(b)) {
    int k = lg__term_char(s, false);
    size_t n = k > 0 ? (size_t)k : (size_t)-k;
    if (k == 0)
      break;
    if (n > (size_t)(end - s)) /* a character cut by the row's end */
      n = (size_t)(end - s);
    if (k > 0)
      lg__buf_append(b, s, n);
    else
      lg__buf_appends(b, k == -1 && (unsigned char)*s < 0x80 ? " " : "?");
    s += n;
  }
}

/* s made safe for the terminal into buf (cap bytes), cut there. */
static const char *safe(const char *s, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", s ? s : "");
  return lg__term_sanitize(buf, false);
}

/* The length of the longest prefix of s of at most max bytes that ends at
 * a word boundary (before a space, or at the end of s); a single word
 * longer than max is cut on a UTF-8 boundary. Never inside a number. */
static size_t fit_words(const char *s, size_t max) {
  size_t len = strlen(s), i, best = 0;
  if (len <= max)
    return len;
  for (i = 1; i <= max; i++)
    if (s[i] == ' ')
      best = i;
  if (best)
    return best;
  for (i = max; i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80; i--)
    ;
  return i;
}

/* Append s as rows of at most max bytes broken between words: the first
 * row after what the caller wrote, each further one indented by indent
 * spaces; after max_rows rows the rest is cut at a word with "...". A
 * number or word is never cut in two. */
static void wrap(lg_buf *b, const char *s, size_t max, size_t indent,
                 int max_rows) {
  int row;
  s = s ? s : "";
  for (row = 0; *s && !lg__buf_error(b); row++) {
    size_t n = fit_words(s, max);
    if (row > 0)
      lg__buf_appendf(b, "\n%*s", (int)indent, "");
    clean(b, s, n);
    s += n;
    while (*s == ' ')
      s++;
    if (*s && row + 1 == max_rows) {
      lg__buf_appends(b, " ...");
      return;
    }
  }
}

/* "  label          WORD  text\n": a figure line, one row, cut between
 * words at LINE_MAX_BYTES; word (in colour when o->color) may be NULL. */
static void row(lg_buf *b, const lg_report_opts *o, const char *label,
                const char *colour, const char *word, const char *text) {
  char lb[128]; /* a check's name: from a result.json, anyone's */
  lg__buf_appendf(b, "  %-14s ", safe(label, lb, sizeof lb));
  if (word && o->color)
    lg__buf_appendf(b, "%s%-5s\033[0m ", colour, word);
  else if (word)
    lg__buf_appendf(b, "%-5s ", word);
  wrap(b, text, LINE_MAX_BYTES, 0, 1);
  lg__buf_appends(b, "\n");
}

static void line(lg_buf *b, const lg_report_opts *o, const char *label,
                 lg_check_status st, bool show_status, const char *text) {
  row(b, o, label, status_colour(st), show_status ? status_word(st) : NULL,
      text);
}

/* "  why            reason...\n": a reason is the sentence a user acts on
 * ("a run of about 3552 requests would decide it"), so it wraps between
 * words onto indented rows (WHY_ROW_BYTES each, WHY_MAX_ROWS at most)
 * rather than being cut at the end of one row. */
static void why_line(lg_buf *b, const char *label, const char *text) {
  lg__buf_appendf(b, "  %-14s ", label);
  wrap(b, text, WHY_ROW_BYTES, 17, WHY_MAX_ROWS);
  lg__buf_appends(b, "\n");
}

/* Each check line's text goes into t (cap bytes); a line function returns
 * t, NULL to show the check's own message, or SKIP_LINE when the result has
 * nothing for that line (no container in analyze, a tier that was off). */
typedef const char *line_fn(const lg_result *r, char *t, size_t cap);
static const char SKIP_LINE[] = "";

static const char *growth_line(const lg_result *r, char *t, size_t cap) {
  const lg_analysis *a = &r->analysis;
  char n1[64], n2[64], n3[64], n4[64], by[32], by2[32], es[128];
  if (!r->has_analysis || !isfinite(a->slope))
    return NULL;
  snprintf(t, cap, "%s (%s %s to %s), tolerance %s, MDS %s [%s]%s",
           lg__fmt_slope(n1, sizeof n1, a, a->slope),
           lg__fmt_ci_label(n4, sizeof n4, lg_analysis_level(a, r->confidence)),
           lg__fmt_num(n2, sizeof n2, a->slope_lo),
           lg__fmt_num(n3, sizeof n3, a->slope_hi),
           lg__fmt_slope(by, sizeof by, a, a->tolerance),
           lg__fmt_slope(by2, sizeof by2, a, a->mds), lg__fmt_leak(a->leak),
           lg__fmt_early_stop(es, sizeof es, a));
  return t;
}

static const char *ttl_line(const lg_result *r, char *t, size_t cap) {
  const lg_analysis *a = &r->analysis;
  char n1[64], n2[64], n3[64], by[32];
  bool per_s = strcmp(a->x, "seconds") == 0;
  if (!r->has_analysis)
    return SKIP_LINE;
  lg_format_bytes(by, sizeof by, r->container.memory_limit_bytes);
  if (r->container.oom_kills > 0 || r->service.oom_killed)
    /* reached, not projected (a projection from the last row before the
     * kill read "21 ms to the limit") */
    snprintf(t, cap, "reached the %s limit within the run (OOM kill)", by);
  else if (isfinite(a->time_to_limit_s))
    /* the rate the projection assumes; none on a time axis (1 s/s) */
    snprintf(t, cap, "%s to the %s limit%s%s%s%s%s",
             lg_format_duration(n1, sizeof n1, a->time_to_limit_s), by,
             per_s ? "" : " at ",
             per_s ? "" : lg__fmt_num(n2, sizeof n2, a->x_rate),
             per_s ? "" : " req/s",
             isfinite(r->max_time_to_limit_s) ? ", gate " : "",
             isfinite(r->max_time_to_limit_s)
                 ? lg_format_duration(n3, sizeof n3, r->max_time_to_limit_s)
                 : "");
  else
    snprintf(t, cap, "%s",
             isfinite(r->container.memory_limit_bytes)
                 ? "no projected OOM"
                 : "n/a (no memory limit)");
  return t;
}

static const char *oom_line(const lg_result *r, char *t, size_t cap) {
  const lg_container_result *c = &r->container;
  char n1[64], by[32], by2[32];
  /* no container and no OOM data (analyze, a start failure): no line */
  if (!c->backend && c->oom_kills < 0 && !r->service.oom_killed)
    return SKIP_LINE;
  if (c->oom_kills > 0 || r->service.oom_killed)
    snprintf(t, cap, "OOM-killed at the %s limit%s%s%s",
             lg_format_bytes(by, sizeof by, c->memory_limit_bytes),
             isfinite(r->chart.oom_x) ? " after " : "",
             isfinite(r->chart.oom_x)
                 ? lg__fmt_num(n1, sizeof n1, r->chart.oom_x)
                 : "",
             isfinite(r->chart.oom_x)
                 ? (strcmp(r->analysis.x, "seconds") == 0 ? " s" : " requests")
                 : "");
  else if (c->oom_kills < 0)
    snprintf(t, cap, "detection off (backend %s)",
             c->backend ? c->backend : "none");
  else
    snprintf(t, cap, "none; peak %s of %s",
             lg_format_bytes(by, sizeof by, c->peak_bytes),
             lg_format_bytes(by2, sizeof by2, c->memory_limit_bytes));
  return t;
}

/* Only for a crash, with the check's message (the signal, when). */
static const char *crash_line(const lg_result *r, char *t, size_t cap) {
  if (cap)
    t[0] = '\0';
  return r->service.crashed ? NULL : SKIP_LINE;
}

static const char *memcheck_line(const lg_result *r, char *t, size_t cap) {
  const lg_memcheck_result *m = &r->memcheck;
  char by[32], by2[32], fr[512];
  size_t *idx;
  const lg_frame *f;
  if (!m->ran)
    return m->enabled ? NULL : SKIP_LINE;
  idx = lg__top_leaks(m);
  f = idx ? lg_leak_site(&m->leaks[idx[0]]) : NULL;
  snprintf(t, cap, "%s definitely, %s indirectly lost%s%s",
           lg_format_bytes(by, sizeof by, m->definitely_lost_bytes),
           lg_format_bytes(by2, sizeof by2, m->indirectly_lost_bytes),
           f ? "; top: " : "", f ? lg__fmt_frame(fr, sizeof fr, f) : "");
  free(idx);
  return t;
}

static const char *massif_line(const lg_result *r, char *t, size_t cap) {
  const lg_massif_result *m = &r->massif;
  char by[32], by2[32], fr[512];
  size_t *idx;
  if (!m->ran)
    return m->enabled ? NULL : SKIP_LINE;
  idx = lg__top_sites(m);
  if (idx) {
    const lg_growing_site *s = &m->growing_sites[idx[0]];
    lg_frame f = {s->function, s->file, NULL, s->line};
    snprintf(t, cap, "peak heap %s; top site: %s +%s",
             lg_format_bytes(by, sizeof by, m->peak_heap_bytes),
             lg__fmt_frame(fr, sizeof fr, &f),
             lg_format_bytes(by2, sizeof by2, s->growth_bytes));
  } else {
    snprintf(t, cap, "peak heap %s; no growing site",
             lg_format_bytes(by, sizeof by, m->peak_heap_bytes));
  }
  free(idx);
  return t;
}

/* The fastest growing site, or "no growing site"; the throughput ratio. */
static const char *heap_profile_line(const lg_result *r, char *t, size_t cap) {
  const lg_heap_profile_result *h = &r->heap_profile;
  char s[1536], q[64];
  if (!h->ran)
    return h->enabled ? NULL : SKIP_LINE;
  if (isfinite(h->throughput_ratio))
    snprintf(q, sizeof q, "; throughput %.2f of the main run",
             h->throughput_ratio);
  else
    q[0] = '\0';
  if (h->n_sites)
    snprintf(t, cap, "%zu growing site%s; top: %s%s", h->n_sites,
             h->n_sites == 1 ? "" : "s",
             lg__rep_heap_site_text(s, sizeof s, r, &h->growing_sites[0]), q);
  else
    snprintf(t, cap, "no growing site (%lld analysed)%s",
             (long long)(h->sites_analyzed > 0 ? h->sites_analyzed : 0), q);
  return t;
}

static const char *baseline_line(const lg_result *r, char *t, size_t cap) {
  const lg_baseline_result *bl = &r->baseline;
  char n1[64], n2[64], n3[64];
  if (bl->verdict == LG_BASELINE_NONE)
    return SKIP_LINE;
  snprintf(t, cap, "%s: delta %s (%s to %s)%s",
           lg_baseline_verdict_name(bl->verdict),
           lg__fmt_slope(n1, sizeof n1, &r->analysis, bl->slope_delta),
           lg__fmt_num(n2, sizeof n2, bl->delta_lo),
           lg__fmt_num(n3, sizeof n3, bl->delta_hi),
           bl->n_new_leaks ? "; new leaks" : "");
  return t;
}

static const char *load_line(const lg_result *r, char *t, size_t cap) {
  const lg_load_result *l = &r->load;
  char n1[64], n2[64];
  if (!l->driver)
    return SKIP_LINE;
  if (l->requests >= 0)
    snprintf(t, cap, "%s: %lld requests, %lld errors, %s req/s, p99 %s ms",
             l->driver, (long long)l->requests,
             (long long)(l->errors > 0 ? l->errors : 0),
             lg__fmt_num(n1, sizeof n1, l->throughput_rps),
             lg__fmt_num(n2, sizeof n2, l->p99_ms));
  else
    snprintf(t, cap, "%s: ran %s", l->driver,
             lg_format_duration(n1, sizeof n1, l->duration_s));
  return t;
}

/* The summary's lines of finish's checks, in its order (label NULL: the
 * check's name). A check without a row here (one a later row of
 * LG_FINISH_CHECKS or another module added) gets the generic line of
 * other_checks when it does not pass. */
static const struct {
  lg_check_id id;
  const char *label;
  line_fn *text;
} check_lines[] = {
    {LG_CK_GROWTH, NULL, growth_line},
    {LG_CK_TTL, "time to limit", ttl_line},
    {LG_CK_OOM, NULL, oom_line},
    {LG_CK_CRASH, NULL, crash_line},
    {LG_CK_MEMCHECK, NULL, memcheck_line},
    {LG_CK_MASSIF, NULL, massif_line},
    {LG_CK_HEAP_PROFILE, "heap profile", heap_profile_line},
    {LG_CK_BASELINE, NULL, baseline_line},
    {LG_CK_LOAD, NULL, load_line},
};
#define N_CHECK_LINES (sizeof check_lines / sizeof check_lines[0])

static bool has_check_line(const char *name) {
  size_t i;
  for (i = 0; i < N_CHECK_LINES; i++)
    if (strcmp(name, lg_check_name(check_lines[i].id)) == 0)
      return true;
  return false;
}

static void verdict_lines(lg_buf *b, const lg_result *r,
                          const lg_report_opts *o) {
  lg_check_status vs = verdict_status(r->verdict);
  char name[512];
  safe(lg__rep_name(r), name, sizeof name); /* from a result.json: anyone's */
  if (o->color)
    lg__buf_appendf(b, "\033[1mleakgate\033[0m %s: %s%s\033[0m (exit %d)\n",
                    name, status_colour(vs), lg_verdict_name(r->verdict),
                    r->exit_code);
  else
    lg__buf_appendf(b, "leakgate %s: %s (exit %d)\n", name,
                    lg_verdict_name(r->verdict), r->exit_code);
  if (r->error)
    line(b, o, "error", LG_CHECK_ERROR, true, r->error);
  if (r->interrupted)
    line(b, o, "interrupted", LG_CHECK_ERROR, true,
         "stopped by a signal; samples so far are kept");
}

static void check_lines_of(lg_buf *b, const lg_result *r,
                           const lg_report_opts *o) {
  char t[1024];
  size_t i;
  for (i = 0; i < N_CHECK_LINES; i++) {
    const lg_check *c = lg_result_check_by_id(r, check_lines[i].id);
    const char *text = check_lines[i].text(r, t, sizeof t);
    if (text == SKIP_LINE)
      continue;
    if (!text)
      text = c ? c->message : "";
    if (c && lg__rep_check_advisory(r, c)) /* a finding, not a green ok */
      row(b, o, lg_check_name(check_lines[i].id), "\033[1;33m", "note",
          text);
    else
      line(b, o,
           check_lines[i].label ? check_lines[i].label
                                : lg_check_name(check_lines[i].id),
           c ? c->status : LG_CHECK_SKIPPED, true, text);
  }
}

/* Checks without a line above, when they do not pass. */
static void other_checks(lg_buf *b, const lg_result *r,
                         const lg_report_opts *o) {
  size_t i;
  for (i = 0; i < r->n_checks; i++)
    if (!has_check_line(r->checks[i].name) &&
        r->checks[i].status != LG_CHECK_PASS &&
        r->checks[i].status != LG_CHECK_SKIPPED)
      line(b, o, r->checks[i].name, r->checks[i].status, true,
           r->checks[i].message);
}

/* The first reasons (the error and "interrupted" have their own lines). */
static void reason_lines(lg_buf *b, const lg_result *r,
                         const lg_report_opts *o) {
  size_t i, shown;
  for (i = 0, shown = 0; i < r->n_reasons && shown < 3; i++) {
    if (r->error && strcmp(r->reasons[i], r->error) == 0)
      continue;
    if (strcmp(r->reasons[i], "interrupted") == 0)
      continue;
    why_line(b, shown ? "" : "why", r->reasons[i]);
    shown++;
  }
  if (r->n_reasons > shown + 2)
    line(b, o, "", LG_CHECK_SKIPPED, false, "(more reasons in result.json)");
}

static void one(lg_buf *b, const lg_result *r, const lg_report_opts *o) {
  verdict_lines(b, r, o);
  check_lines_of(b, r, o);
  other_checks(b, r, o);
  reason_lines(b, r, o);
  if (r->out_dir)
    line(b, o, "out", LG_CHECK_SKIPPED, false, r->out_dir);
}

int lg__render_summary(const lg_result *const *rs, size_t n,
                       const lg_report_opts *o, lg_buf *b) {
  size_t i, c[5] = {0};
  for (i = 0; i < n; i++) {
    if (i)
      lg__buf_appends(b, "\n");
    one(b, rs[i], o);
    c[rs[i]->verdict < 4 ? rs[i]->verdict : 3]++;
  }
  if (n >= 2)
    lg__buf_appendf(b,
                    "\nleakgate: %zu scenarios: %zu fail, %zu error, %zu "
                    "inconclusive, %zu pass (exit %d)\n",
                    n, c[LG_VERDICT_FAIL], c[LG_VERDICT_ERROR],
                    c[LG_VERDICT_INCONCLUSIVE], c[LG_VERDICT_PASS],
                    lg_report_combined_exit(rs, n));
  return lg__buf_error(b);
}
